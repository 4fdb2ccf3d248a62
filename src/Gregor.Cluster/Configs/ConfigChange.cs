namespace Gregor.Cluster.Configs;

/// <summary>One requested change of a dynamic config: its name, the operation and the operand.</summary>
public sealed record ConfigChange(string Name, ConfigOperation Operation, string? Value);
