using System.Collections.Immutable;
using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// PartitionRecord (apiKey 3, written as v0, v1-v2 readable): a partition's full state —
/// replicas, ISR, leader and epochs. Written when a partition is created.
/// </summary>
public sealed record PartitionRecord(
    int PartitionId,
    Guid TopicId,
    ImmutableArray<int> Replicas,
    ImmutableArray<int> Isr,
    int Leader,
    int LeaderEpoch,
    int PartitionEpoch) : MetadataRecord
{
    public override MetadataRecordType Type => MetadataRecordType.Partition;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteInt32(PartitionId);
        writer.WriteUuid(TopicId);
        MetadataFieldCodec.WriteInt32Array(writer, Replicas);
        MetadataFieldCodec.WriteInt32Array(writer, Isr);
        MetadataFieldCodec.WriteInt32Array(writer, []); // RemovingReplicas
        MetadataFieldCodec.WriteInt32Array(writer, []); // AddingReplicas
        writer.WriteInt32(Leader);
        writer.WriteInt32(LeaderEpoch);
        writer.WriteInt32(PartitionEpoch);
        MetadataFieldCodec.WriteEmptyTaggedFields(writer);
    }

    internal static PartitionRecord Read(ref ProtocolReader reader, short version)
    {
        var partitionId = reader.ReadInt32();
        var topicId = reader.ReadUuid();
        var replicas = MetadataFieldCodec.ReadInt32Array(ref reader);
        var isr = MetadataFieldCodec.ReadInt32Array(ref reader);
        MetadataFieldCodec.ReadInt32Array(ref reader); // RemovingReplicas: reassignment is not supported yet
        MetadataFieldCodec.ReadInt32Array(ref reader); // AddingReplicas
        var leader = reader.ReadInt32();
        var leaderEpoch = reader.ReadInt32();
        var partitionEpoch = reader.ReadInt32();
        if (version >= 1)
        {
            MetadataFieldCodec.SkipUuidArray(ref reader); // Directories
        }
        MetadataFieldCodec.SkipTaggedFields(ref reader);
        return new PartitionRecord(partitionId, topicId, replicas, isr, leader, leaderEpoch, partitionEpoch);
    }
}
