namespace Gregor.Cluster.Simulation;

/// <summary>A node's clock (virtual time plus its skew) as the <see cref="TimeProvider"/> the controller and broker cores read.</summary>
public sealed class SimTimeProvider(SimNode node) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(node.Now);
}
