using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Raft;

/// <summary>
/// This replica is not the leader of the epoch asked for; callers answer NOT_CONTROLLER (a
/// retriable error) so clients find the active controller.
/// </summary>
public sealed class NotLeaderException(LeaderAndEpoch current, int requestedEpoch)
    : KafkaException(ErrorCode.NotController,
        $"not the leader of epoch {requestedEpoch}; current leader {current.LeaderId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"} in epoch {current.Epoch}")
{
    public LeaderAndEpoch Current { get; } = current;
}
