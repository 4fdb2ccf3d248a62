using System.Collections.Immutable;
using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// PartitionChangeRecord (apiKey 5, written as v0, v0-v2 readable): a change to one partition.
/// Every changed field is tagged: <see cref="Isr"/> / <see cref="Replicas"/> default (null) when
/// unchanged, <see cref="Leader"/> is <see cref="LeaderUnchanged"/> (-2) when unchanged and -1
/// when there is no leader. Applying it bumps the partition epoch, and the leader epoch when the
/// leader changed, as Kafka's PartitionRegistration.merge does. Written by leader election and
/// ISR changes (issue #12); replayed by every node already.
/// </summary>
public sealed record PartitionChangeRecord(
    int PartitionId,
    Guid TopicId,
    ImmutableArray<int>? Isr = null,
    int Leader = PartitionChangeRecord.LeaderUnchanged,
    ImmutableArray<int>? Replicas = null) : MetadataRecord
{
    public const int LeaderUnchanged = -2;

    public override MetadataRecordType Type => MetadataRecordType.PartitionChange;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteInt32(PartitionId);
        writer.WriteUuid(TopicId);
        var tags = (Isr is null ? 0u : 1u) + (Leader == LeaderUnchanged ? 0u : 1u) + (Replicas is null ? 0u : 1u);
        writer.WriteUnsignedVarInt(tags);
        if (Isr is { } isr)
        {
            WriteArrayField(writer, 0, isr);
        }
        if (Leader != LeaderUnchanged)
        {
            writer.WriteUnsignedVarInt(1);
            writer.WriteUnsignedVarInt(4);
            writer.WriteInt32(Leader);
        }
        if (Replicas is { } replicas)
        {
            WriteArrayField(writer, 2, replicas);
        }
    }

    private static void WriteArrayField(ProtocolWriter writer, int tag, ImmutableArray<int> values)
    {
        using var field = new ProtocolWriter();
        MetadataFieldCodec.WriteInt32Array(field, values);
        writer.WriteTaggedField(tag, field.WrittenSpan);
    }

    internal static PartitionChangeRecord Read(ref ProtocolReader reader, short version)
    {
        if (version > 2)
        {
            throw new ProtocolException($"PartitionChangeRecord version {version} is newer than this node understands");
        }
        var partitionId = reader.ReadInt32();
        var topicId = reader.ReadUuid();
        ImmutableArray<int>? isr = null, replicas = null;
        var leader = LeaderUnchanged;
        var count = reader.ReadUnsignedVarInt();
        for (var i = 0u; i < count; i++)
        {
            var tag = reader.ReadUnsignedVarInt();
            var size = reader.ReadUnsignedVarInt();
            if (size > (uint)reader.Remaining)
            {
                throw new ProtocolException($"tagged field of {size} bytes exceeds the {reader.Remaining} bytes left");
            }
            var field = new ProtocolReader(reader.ReadMemory((int)size));
            switch (tag)
            {
                case 0:
                    isr = MetadataFieldCodec.ReadInt32Array(ref field);
                    break;
                case 1:
                    leader = field.ReadInt32();
                    break;
                case 2:
                    replicas = MetadataFieldCodec.ReadInt32Array(ref field);
                    break;
                default:
                    break; // reassignment, recovery state, directories, ELR: not used yet
            }
        }
        return new PartitionChangeRecord(partitionId, topicId, isr, leader, replicas);
    }
}
