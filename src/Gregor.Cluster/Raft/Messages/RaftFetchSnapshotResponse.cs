using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Raft.Messages;

/// <summary>A chunk of the snapshot's bytes (Kafka's <c>UnalignedRecords</c>) and the snapshot's total size.</summary>
public sealed record RaftFetchSnapshotResponse(ErrorCode Error, int LeaderId, int LeaderEpoch, OffsetAndEpoch SnapshotId,
    long Size, long Position, ReadOnlyMemory<byte> Bytes) : RaftResponse(Error, LeaderId, LeaderEpoch);
