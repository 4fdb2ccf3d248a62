using Gregor.Broker.Config;

namespace Gregor.Broker.Groups;

/// <summary>
/// The group coordinator's settings, named after Kafka's broker configs (defaults as Kafka's):
/// offsets.topic.num.partitions, offsets.topic.replication.factor,
/// offsets.topic.segment.bytes, group.initial.rebalance.delay.ms, group.min/max.session.timeout.ms,
/// group.max.size, offsets.retention.minutes, offsets.retention.check.interval.ms,
/// offset.metadata.max.bytes.
/// </summary>
public sealed record GroupCoordinatorOptions
{
    public const string OffsetsTopicName = "__consumer_offsets";

    public int NodeId { get; init; } = 1;
    public int OffsetsTopicPartitions { get; init; } = 50;
    public short OffsetsTopicReplicationFactor { get; init; } = 3;
    public int OffsetsTopicSegmentBytes { get; init; } = 104_857_600;
    public int InitialRebalanceDelayMs { get; init; } = 3000;
    public int MinSessionTimeoutMs { get; init; } = 6000;
    public int MaxSessionTimeoutMs { get; init; } = 1_800_000;
    public int MaxGroupSize { get; init; } = int.MaxValue;
    public long OffsetsRetentionMs { get; init; } = 10080L * 60 * 1000;
    public long OffsetsRetentionCheckIntervalMs { get; init; } = 600_000;
    public int OffsetMetadataMaxBytes { get; init; } = 4096;

    public static GroupCoordinatorOptions From(BrokerConfig config) => new()
    {
        NodeId = config.NodeId,
        OffsetsTopicPartitions = config.OffsetsTopicNumPartitions,
        OffsetsTopicReplicationFactor = config.OffsetsTopicReplicationFactor,
        OffsetsTopicSegmentBytes = config.OffsetsTopicSegmentBytes,
        InitialRebalanceDelayMs = config.GroupInitialRebalanceDelayMs,
        MinSessionTimeoutMs = config.GroupMinSessionTimeoutMs,
        MaxSessionTimeoutMs = config.GroupMaxSessionTimeoutMs,
        MaxGroupSize = config.GroupMaxSize,
        OffsetsRetentionMs = config.OffsetsRetentionMinutes * 60_000,
        OffsetsRetentionCheckIntervalMs = config.OffsetsRetentionCheckIntervalMs,
        OffsetMetadataMaxBytes = config.OffsetMetadataMaxBytes,
    };
}
