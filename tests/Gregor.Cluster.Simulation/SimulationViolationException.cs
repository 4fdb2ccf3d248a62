namespace Gregor.Cluster.Simulation;

/// <summary>An invariant or liveness check failed; the message says which and when.</summary>
public sealed class SimulationViolationException(string message) : Exception(message);
