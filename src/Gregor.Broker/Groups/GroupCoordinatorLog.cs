using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Groups;

/// <summary>The group coordinator's log messages (source-generated).</summary>
internal static partial class GroupCoordinatorLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} rebalancing (generation {Generation}): {Reason}")]
    public static partial void Rebalancing(ILogger logger, string groupId, int generation, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {GroupId} stable at generation {Generation} with {Members} members, protocol {Protocol}")]
    public static partial void Stabilized(ILogger logger, string groupId, int generation, int members, string? protocol);

    [LoggerMessage(Level = LogLevel.Information, Message = "Member {MemberId} of group {GroupId} removed: {Reason}")]
    public static partial void MemberRemoved(ILogger logger, string groupId, string memberId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Groups} groups and {Offsets} committed offsets from __consumer_offsets-{Partition}")]
    public static partial void Loaded(ILogger logger, int partition, int groups, int offsets);

    [LoggerMessage(Level = LogLevel.Information, Message = "Expired {Offsets} offsets and removed {Groups} groups of __consumer_offsets-{Partition}")]
    public static partial void Expired(ILogger logger, int partition, int offsets, int groups);
}
