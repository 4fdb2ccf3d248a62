using Gregor.Broker.Config;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Admin;

/// <summary>
/// Creates topics on first use (Metadata with auto-creation, Produce, FindCoordinator) with
/// Kafka's defaults: num.partitions and default.replication.factor for ordinary topics;
/// offsets.topic.num.partitions, offsets.topic.replication.factor and a compacted log for
/// __consumer_offsets. Whether auto-creation is allowed is the caller's decision (internal
/// topics are created even when auto.create.topics.enable is false, as in Kafka).
/// Thread-safe: concurrent calls for the same topic all see the one topic that was created.
/// </summary>
public sealed class AutoTopicCreator(IController controller, BrokerConfig config)
{
    /// <summary>
    /// Returns the topic, creating it if missing. On failure returns the Kafka error
    /// (INVALID_TOPIC_EXCEPTION for an illegal name, INVALID_REPLICATION_FACTOR, …) and null.
    /// </summary>
    public async Task<(ErrorCode Error, TopicImage? Topic)> GetOrCreateAsync(string name, CancellationToken cancellationToken)
    {
        if (controller.Current.Topic(name) is { } existing)
        {
            return (ErrorCode.None, existing);
        }
        var outcome = await controller.CreateTopicAsync(SpecFor(name), validateOnly: false, cancellationToken).ConfigureAwait(false);
        if (outcome.Error is ErrorCode.None or ErrorCode.TopicAlreadyExists && controller.Current.Topic(name) is { } created)
        {
            return (ErrorCode.None, created);
        }
        return (outcome.Error == ErrorCode.None ? ErrorCode.LeaderNotAvailable : outcome.Error, null);
    }

    /// <summary>The spec auto-creation uses for <paramref name="name"/>.</summary>
    public CreateTopicSpec SpecFor(string name) => name == TopicNames.ConsumerOffsets
        ? new CreateTopicSpec(
            name,
            config.OffsetsTopicNumPartitions,
            TopicNames.OffsetsTopicReplicationFactor(config.OffsetsTopicReplicationFactor, controller.Current),
            new Dictionary<string, string?>
            {
                ["cleanup.policy"] = "compact",
                ["compression.type"] = "producer",
                ["segment.bytes"] = config.OffsetsTopicSegmentBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            })
        : new CreateTopicSpec(name, -1, -1, new Dictionary<string, string?>());
}
