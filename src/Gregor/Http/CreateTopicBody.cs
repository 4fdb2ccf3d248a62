namespace Gregor.Http;

/// <summary>The body of <c>POST /v1/topics</c>; unset counts and replication factor take the broker's defaults.</summary>
internal sealed record CreateTopicBody(string? Name, int? Partitions, short? ReplicationFactor, Dictionary<string, string>? Configs);
