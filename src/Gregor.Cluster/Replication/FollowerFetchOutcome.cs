using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Replication;

/// <summary>
/// What <see cref="LeaderReplicaState.OnFollowerFetch"/> decided: an error for the fetch
/// (<see cref="ErrorCode.None"/> when it may proceed), whether the high watermark moved (then
/// delayed fetches and acks=all produces waiting on it should be completed), and an ISR
/// expansion to send to the controller, if the follower just became eligible for the ISR.
/// </summary>
public readonly record struct FollowerFetchOutcome(
    ErrorCode Error,
    bool HighWatermarkChanged,
    long HighWatermark,
    IsrChange? IsrChange);
