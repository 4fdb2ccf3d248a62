using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>The coordinator's answer to a SyncGroup: this member's assignment from the leader.</summary>
public sealed record SyncGroupResult(ErrorCode Error, string? ProtocolType, string? ProtocolName, byte[] Assignment)
{
    public static SyncGroupResult Failure(ErrorCode error) => new(error, null, null, []);
}
