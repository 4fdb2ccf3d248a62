namespace Gregor.Cluster.Simulation;

/// <summary>
/// What the metadata snapshots did in one controller simulation, counted across every node and
/// incarnation: snapshots the loaders asked Raft to write, and snapshots handed to the loaders and
/// controller cores (at a restart, after a FetchSnapshot download, or when the log was cleaned
/// below a listener). Single-threaded, like the simulation that fills it.
/// </summary>
public sealed class MetadataSnapshotStats
{
    /// <summary><c>IRaftClient.CreateSnapshot</c> calls by the metadata loaders that produced a new latest snapshot.</summary>
    public int Written { get; internal set; }

    /// <summary><c>HandleLoadSnapshot</c> calls on the metadata loaders.</summary>
    public int LoadedByLoaders { get; internal set; }

    /// <summary><c>HandleLoadSnapshot</c> calls on the controller cores.</summary>
    public int LoadedByControllers { get; internal set; }

    /// <summary>Loads handed to a controller core while it was the active controller (its own node's loader cleaned the log below it).</summary>
    public int LoadedByActiveControllers { get; internal set; }
}
