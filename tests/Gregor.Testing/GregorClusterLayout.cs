namespace Gregor.Testing;

/// <summary>
/// How a <see cref="GregorCluster"/> is laid out: how many nodes, each node's
/// <c>process.roles</c> (voters are the nodes with the controller role), the address it binds
/// and is reached at, and a command its process is started through (e.g. <c>ip netns exec NAME</c>
/// to run it in its own network namespace). The defaults are the combined loopback cluster.
/// Immutable.
/// </summary>
public sealed record GregorClusterLayout
{
    public int Nodes { get; init; } = 3;

    /// <summary>Config lines added to every node's server.properties.</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    /// <summary>process.roles of node id (1-based): broker,controller by default.</summary>
    public Func<int, string> Roles { get; init; } = _ => "broker,controller";

    /// <summary>The address node id listens on and is reached at: 127.0.0.1 by default.</summary>
    public Func<int, string> Host { get; init; } = _ => "127.0.0.1";

    /// <summary>The command node id's process is started through (empty: none).</summary>
    public Func<int, IReadOnlyList<string>> CommandPrefix { get; init; } = _ => [];

    public bool IsController(int nodeId) => Roles(nodeId).Contains("controller", StringComparison.Ordinal);

    public bool IsBroker(int nodeId) => Roles(nodeId).Contains("broker", StringComparison.Ordinal);
}
