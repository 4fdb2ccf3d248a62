using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The result of creating one topic: an error code (None on success) with Kafka's message, and
/// on success the id, the resolved partition count and replication factor, and every topic
/// config with its effective value (defaults included), as CreateTopics v5+ reports.
/// </summary>
public sealed record CreateTopicOutcome(
    ErrorCode Error,
    string? Message,
    Guid TopicId,
    int NumPartitions,
    short ReplicationFactor,
    IReadOnlyDictionary<string, string> EffectiveConfigs)
{
    public static CreateTopicOutcome Failed(ErrorCode error, string message) =>
        new(error, message, Guid.Empty, -1, -1, new Dictionary<string, string>());
}
