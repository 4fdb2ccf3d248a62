using Gregor.Cluster.Records;

namespace Gregor.Cluster.Metadata;

/// <summary>
/// An image written as the records that rebuild it (Kafka's <c>MetadataImage.write</c>): the
/// content of a metadata snapshot. Replaying <see cref="Write"/>'s records into an empty image
/// gives an image <see cref="Equivalent"/> to the original. The order is deterministic (features,
/// brokers by id, topics by name with their partitions and configs, broker configs, producer ids),
/// so two equivalent images write byte-identical snapshots.
/// </summary>
public static class MetadataImageRecords
{
    public static List<MetadataRecord> Write(MetadataImage image)
    {
        var records = new List<MetadataRecord>();
        foreach (var (name, level) in image.FeatureLevels.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            records.Add(new FeatureLevelRecord(name, level));
        }
        foreach (var broker in image.Brokers.Values.OrderBy(b => b.NodeId))
        {
            records.Add(new RegisterBrokerRecord(
                broker.NodeId,
                broker.IncarnationId,
                broker.Epoch,
                broker.Endpoints.IsDefaultOrEmpty && broker.Port > 0
                    ? [new BrokerEndpoint("PLAINTEXT", broker.Host, checked((ushort)broker.Port))]
                    : broker.Endpoints,
                broker.Rack,
                broker.Fenced,
                broker.InControlledShutdown));
        }
        foreach (var topic in image.TopicsByName.Values.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            records.Add(new TopicRecord(topic.Name, topic.TopicId));
            foreach (var partition in topic.Partitions.Values.OrderBy(p => p.Partition))
            {
                records.Add(ToRecord(topic.TopicId, partition, image.EligibleLeaderReplicasEnabled));
            }
            foreach (var (name, value) in topic.Configs.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                records.Add(new ConfigRecord(ConfigRecord.TopicResource, topic.Name, name, value));
            }
        }
        foreach (var (resource, configs) in image.BrokerConfigs.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            foreach (var (name, value) in configs.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                records.Add(new ConfigRecord(ConfigRecord.BrokerResource, resource, name, value));
            }
        }
        if (image.NextProducerId > 0)
        {
            records.Add(new ProducerIdsRecord(-1, -1, image.NextProducerId));
        }
        return records;
    }

    /// <summary>
    /// The PartitionRecord that recreates <paramref name="partition"/> (Kafka's
    /// PartitionRegistration.toRecord): v2 with the ELR fields when ELR is on (or the partition has
    /// an ELR), v1 when it has directories, else v0.
    /// </summary>
    public static PartitionRecord ToRecord(Guid topicId, PartitionImage partition, bool elrEnabled)
    {
        var elr = elrEnabled || !partition.Elr.IsDefaultOrEmpty || !partition.LastKnownElr.IsDefaultOrEmpty;
        return new PartitionRecord(partition.Partition, topicId, partition.Replicas, partition.Isr,
            partition.Leader, partition.LeaderEpoch, partition.PartitionEpoch)
        {
            RecordVersion = elr ? (short)2 : partition.Directories.IsDefaultOrEmpty ? (short)0 : (short)1,
            AddingReplicas = partition.AddingReplicas,
            RemovingReplicas = partition.RemovingReplicas,
            LeaderRecoveryState = partition.LeaderRecoveryState,
            Directories = partition.Directories,
            EligibleLeaderReplicas = elr ? partition.Elr : null,
            LastKnownElr = elr ? partition.LastKnownElr : null,
        };
    }

    /// <summary>Replays snapshot records into an empty image of <paramref name="clusterId"/> at <paramref name="offset"/>.</summary>
    public static MetadataImage Read(string clusterId, int controllerId, long offset, IReadOnlyList<MetadataRecord> records)
    {
        var builder = new MetadataImageBuilder(MetadataImage.Empty(clusterId, controllerId));
        foreach (var record in records)
        {
            builder.Apply(offset, record);
        }
        builder.AdvanceTo(offset);
        var image = builder.Build();
        return image with { Offset = offset };
    }

    /// <summary>
    /// True when both images hold the same metadata (what a snapshot of each would contain) at the
    /// same offset: the invariant "every node's image equals a fresh replay of its log".
    /// </summary>
    public static bool Equivalent(MetadataImage a, MetadataImage b) =>
        a.Offset == b.Offset && Fingerprint(a).AsSpan().SequenceEqual(Fingerprint(b));

    /// <summary>The image's snapshot records, serialized and concatenated: equal for equivalent images.</summary>
    public static byte[] Fingerprint(MetadataImage image)
    {
        using var writer = new Protocol.Primitives.ProtocolWriter();
        foreach (var record in Write(image))
        {
            MetadataRecordSerde.Write(writer, record);
        }
        return writer.WrittenSpan.ToArray();
    }

}
