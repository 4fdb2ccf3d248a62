namespace Gregor.Cluster.Simulation;

/// <summary>
/// Something that runs beside the Raft replica on a simulated node (a state machine fed by
/// listener callbacks, the controller core, a broker core). A fresh instance is made for every
/// (re)start of the node — a crash loses its memory — by <see cref="SimulationOptions.Components"/>.
/// </summary>
public interface ISimComponent
{
    /// <summary>
    /// The node has just started (or restarted) with a new replica. Register listeners on
    /// <c>node.Raft</c> and start timers with <see cref="SimNode.Schedule"/>.
    /// </summary>
    void Start(SimNode node);
}
