namespace Gregor.Cluster.Raft;

/// <summary>
/// One voter of the static voter set (KIP-853's VotersRecord entry without endpoints: the driver
/// maps ids to addresses from <c>controller.quorum.voters</c>). <see cref="DirectoryId"/> is
/// <see cref="Guid.Empty"/> where unknown (Kafka's static-voters mode).
/// </summary>
public readonly record struct RaftVoter(int NodeId, Guid DirectoryId);
