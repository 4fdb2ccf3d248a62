namespace Gregor.Cluster.Replication;

/// <summary>Whether an <see cref="IsrChange"/> adds a caught-up follower or removes lagging ones.</summary>
public enum IsrChangeKind
{
    Expand,
    Shrink,
}
