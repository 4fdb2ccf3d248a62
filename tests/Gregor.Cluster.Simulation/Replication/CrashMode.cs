namespace Gregor.Cluster.Simulation.Replication;

/// <summary>Which crashes a data-plane seed injects: the three loss bounds of issue #12 A.</summary>
public enum CrashMode
{
    /// <summary>Any number of process crashes (kill -9: the page cache survives).</summary>
    ProcessOnly,

    /// <summary>Process crashes plus at most min.insync.replicas − 1 machine crashes (unflushed bytes lost, tail maybe torn).</summary>
    FewMachineCrashes,

    /// <summary>flush.messages=1: every append is fsynced, and any crash pattern is allowed.</summary>
    FlushEveryMessage,
}
