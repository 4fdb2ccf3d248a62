using System.Collections.Immutable;
using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// PartitionChangeRecord (apiKey 5, versions 0-2): a change to one partition. Every field but
/// the ids is tagged and absent when unchanged: the arrays are null, <see cref="Leader"/> is
/// <see cref="LeaderUnchanged"/> (-2; -1 = no leader now), <see cref="LeaderRecoveryState"/> null.
/// v1 adds <see cref="Directories"/>, v2 the eligible leader replicas (KIP-966). Applying it bumps
/// the partition epoch, and the leader epoch whenever <see cref="Leader"/> is set (even to the
/// same leader: that is how Kafka's controller forces a leader epoch bump), as Kafka's
/// PartitionRegistration.merge does. Written by ISR changes, elections and reassignments at
/// <see cref="RecordVersion"/>; writing a field the version cannot carry throws.
/// </summary>
public sealed record PartitionChangeRecord(
    int PartitionId,
    Guid TopicId,
    ImmutableArray<int>? Isr = null,
    int Leader = PartitionChangeRecord.LeaderUnchanged,
    ImmutableArray<int>? Replicas = null) : MetadataRecord
{
    public const int LeaderUnchanged = -2;

    /// <summary>The newest version Gregor reads and writes.</summary>
    public const short MaxVersion = 2;

    public override MetadataRecordType Type => MetadataRecordType.PartitionChange;

    /// <summary>The version written: 0 unless set.</summary>
    public short RecordVersion { get; init; }

    public override short Version => RecordVersion;

    public ImmutableArray<int>? RemovingReplicas { get; init; }

    public ImmutableArray<int>? AddingReplicas { get; init; }

    /// <summary>Null (Kafka's -1) when unchanged.</summary>
    public LeaderRecoveryState? LeaderRecoveryState { get; init; }

    /// <summary>v1+: the new log directory of each replica; null when unchanged.</summary>
    public ImmutableArray<Guid>? Directories { get; init; }

    /// <summary>v2+: the new eligible leader replicas; null when unchanged.</summary>
    public ImmutableArray<int>? EligibleLeaderReplicas { get; init; }

    /// <summary>v2+: the new last known ELR; null when unchanged.</summary>
    public ImmutableArray<int>? LastKnownElr { get; init; }

    /// <summary>True when the record changes nothing (Kafka's changeRecordIsNoOp): such a record is never written.</summary>
    public bool IsNoOp =>
        Isr is null && Leader == LeaderUnchanged && Replicas is null && RemovingReplicas is null && AddingReplicas is null
        && LeaderRecoveryState is null && Directories is null && EligibleLeaderReplicas is null && LastKnownElr is null;

    internal override void WriteFields(ProtocolWriter writer)
    {
        if (RecordVersion is < 0 or > MaxVersion)
        {
            throw new InvalidOperationException($"PartitionChangeRecord version {RecordVersion} is not supported");
        }
        if (RecordVersion < 2 && (EligibleLeaderReplicas is not null || LastKnownElr is not null))
        {
            throw new InvalidOperationException($"PartitionChangeRecord version {RecordVersion} cannot carry eligible leader replicas");
        }
        if (RecordVersion < 1 && Directories is not null)
        {
            throw new InvalidOperationException("PartitionChangeRecord version 0 cannot carry directories");
        }
        writer.WriteInt32(PartitionId);
        writer.WriteUuid(TopicId);
        var tags = Count(Isr) + (Leader == LeaderUnchanged ? 0u : 1u) + Count(Replicas) + Count(RemovingReplicas) + Count(AddingReplicas)
            + (LeaderRecoveryState is null ? 0u : 1u) + Count(EligibleLeaderReplicas) + Count(LastKnownElr) + (Directories is null ? 0u : 1u);
        writer.WriteUnsignedVarInt(tags);
        // Tagged fields go in ascending tag order: Directories (tag 8) comes after the ELR (6, 7).
        WriteArray(writer, 0, Isr);
        if (Leader != LeaderUnchanged)
        {
            writer.WriteUnsignedVarInt(1);
            writer.WriteUnsignedVarInt(4);
            writer.WriteInt32(Leader);
        }
        WriteArray(writer, 2, Replicas);
        WriteArray(writer, 3, RemovingReplicas);
        WriteArray(writer, 4, AddingReplicas);
        if (LeaderRecoveryState is { } recovery)
        {
            writer.WriteUnsignedVarInt(5);
            writer.WriteUnsignedVarInt(1);
            writer.WriteInt8((sbyte)recovery);
        }
        WriteArray(writer, 6, EligibleLeaderReplicas);
        WriteArray(writer, 7, LastKnownElr);
        if (Directories is { } directories)
        {
            using var field = new ProtocolWriter();
            MetadataFieldCodec.WriteUuidArray(field, directories);
            writer.WriteTaggedField(8, field.WrittenSpan);
        }
    }

    private static uint Count(ImmutableArray<int>? field) => field is null ? 0u : 1u;

    private static void WriteArray(ProtocolWriter writer, int tag, ImmutableArray<int>? values)
    {
        if (values is { } array)
        {
            MetadataFieldCodec.WriteNullableInt32ArrayTag(writer, tag, array);
        }
    }

    internal static PartitionChangeRecord Read(ref ProtocolReader reader, short version)
    {
        if (version > MaxVersion)
        {
            throw new ProtocolException($"PartitionChangeRecord version {version} is newer than this node understands");
        }
        var partitionId = reader.ReadInt32();
        var topicId = reader.ReadUuid();
        ImmutableArray<int>? isr = null, replicas = null, removing = null, adding = null, elr = null, lastKnownElr = null;
        ImmutableArray<Guid>? directories = null;
        LeaderRecoveryState? recovery = null;
        var leader = LeaderUnchanged;
        var count = reader.ReadUnsignedVarInt();
        for (var i = 0u; i < count; i++)
        {
            var tag = reader.ReadUnsignedVarInt();
            var field = MetadataFieldCodec.ReadTaggedField(ref reader);
            switch (tag)
            {
                case 0:
                    isr = MetadataFieldCodec.ReadNullableInt32Array(ref field);
                    break;
                case 1:
                    leader = field.ReadInt32();
                    break;
                case 2:
                    replicas = MetadataFieldCodec.ReadNullableInt32Array(ref field);
                    break;
                case 3:
                    removing = MetadataFieldCodec.ReadNullableInt32Array(ref field);
                    break;
                case 4:
                    adding = MetadataFieldCodec.ReadNullableInt32Array(ref field);
                    break;
                case 5:
                    var value = field.ReadInt8();
                    recovery = value switch
                    {
                        -1 => null,
                        0 or 1 => (LeaderRecoveryState)value,
                        _ => throw new ProtocolException($"invalid leader recovery state {value}"),
                    };
                    break;
                case 6 when version >= 2:
                    elr = MetadataFieldCodec.ReadNullableInt32Array(ref field);
                    break;
                case 7 when version >= 2:
                    lastKnownElr = MetadataFieldCodec.ReadNullableInt32Array(ref field);
                    break;
                case 8 when version >= 1:
                    directories = MetadataFieldCodec.ReadUuidArray(ref field);
                    break;
                default:
                    break; // a tag of a newer version: ignored, as Kafka does
            }
        }
        return new PartitionChangeRecord(partitionId, topicId, isr, leader, replicas)
        {
            RecordVersion = version,
            RemovingReplicas = removing,
            AddingReplicas = adding,
            LeaderRecoveryState = recovery,
            Directories = directories,
            EligibleLeaderReplicas = elr,
            LastKnownElr = lastKnownElr,
        };
    }
}
