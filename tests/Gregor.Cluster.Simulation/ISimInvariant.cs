namespace Gregor.Cluster.Simulation;

/// <summary>
/// A property checked after every event of a simulation; call
/// <see cref="SimCluster.Violation"/> (it throws) when it does not hold. Must be cheap: it runs
/// after each of a run's tens of thousands of events.
/// </summary>
public interface ISimInvariant
{
    void Check(SimCluster cluster);
}
