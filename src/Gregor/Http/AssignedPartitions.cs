namespace Gregor.Http;

/// <summary>The partitions of one topic assigned to a group member.</summary>
internal sealed record AssignedPartitions(string Topic, IReadOnlyList<int> Partitions);
