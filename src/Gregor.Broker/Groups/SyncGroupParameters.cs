namespace Gregor.Broker.Groups;

/// <summary>A SyncGroup request; <see cref="Assignments"/> is sent by the leader only (member id → assignment).</summary>
public sealed record SyncGroupParameters(
    string GroupId,
    int GenerationId,
    string MemberId,
    string? GroupInstanceId,
    string? ProtocolType,
    string? ProtocolName,
    IReadOnlyDictionary<string, byte[]> Assignments);
