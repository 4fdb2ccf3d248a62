namespace Gregor.Cluster.Simulation.Replication;

/// <summary>A deliberately wrong replication variant the data-plane simulator must catch (issue #12 A).</summary>
public enum DataPlaneCanary
{
    None,

    /// <summary>The leader's HWM is the largest log end offset over the ISR (the core's <c>HighWatermarkIsMax</c>).</summary>
    HighWatermarkIsMax,

    /// <summary>Followers neither send their last fetched epoch nor truncate: divergent suffixes survive (pre-KIP-101).</summary>
    NoTruncationOnDivergence,

    /// <summary>Fenced and stale-epoch replicas are admitted to the ISR, by the leader and the controller (KIP-903 ignored).</summary>
    AdmitFencedReplica,

    /// <summary>acks=all answered as soon as the leader appended, before the HWM covers the batch.</summary>
    AckBeforeHighWatermark,
}
