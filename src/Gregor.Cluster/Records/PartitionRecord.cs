using System.Collections.Immutable;
using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// PartitionRecord (apiKey 3, versions 0-2): a partition's full state — replicas, ISR, the
/// replicas a reassignment is adding / removing, leader, leader recovery state and epochs; from
/// v1 the log directory of each replica; from v2 the eligible leader replicas (KIP-966).
/// Written when a partition is created and in snapshots, at <see cref="RecordVersion"/> (read
/// records keep the version they were read at, so a record round-trips byte for byte). Writing a
/// field the version cannot carry throws, as Kafka's generated writers do.
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
    /// <summary>The newest version Gregor reads and writes.</summary>
    public const short MaxVersion = 2;

    public override MetadataRecordType Type => MetadataRecordType.Partition;

    /// <summary>The version written: 0 unless set (2 carries the ELR fields, 1 and 2 the directories).</summary>
    public short RecordVersion { get; init; }

    public override short Version => RecordVersion;

    public ImmutableArray<int> RemovingReplicas { get; init; } = [];

    public ImmutableArray<int> AddingReplicas { get; init; } = [];

    public LeaderRecoveryState LeaderRecoveryState { get; init; }

    /// <summary>v1+: the log directory of each replica, in replica order; empty when not assigned (Kafka then reads MIGRATING).</summary>
    public ImmutableArray<Guid> Directories { get; init; } = [];

    /// <summary>v2+: the eligible leader replicas (KIP-966); null = the field's default (absent).</summary>
    public ImmutableArray<int>? EligibleLeaderReplicas { get; init; }

    /// <summary>v2+: the last known ELR (with Kafka's default settings the last leader of a leaderless partition); null = absent.</summary>
    public ImmutableArray<int>? LastKnownElr { get; init; }

    internal override void WriteFields(ProtocolWriter writer)
    {
        if (RecordVersion is < 0 or > MaxVersion)
        {
            throw new InvalidOperationException($"PartitionRecord version {RecordVersion} is not supported");
        }
        if (RecordVersion < 2 && (EligibleLeaderReplicas is not null || LastKnownElr is not null))
        {
            throw new InvalidOperationException($"PartitionRecord version {RecordVersion} cannot carry eligible leader replicas");
        }
        if (RecordVersion < 1 && !Directories.IsDefaultOrEmpty)
        {
            throw new InvalidOperationException("PartitionRecord version 0 cannot carry directories");
        }
        writer.WriteInt32(PartitionId);
        writer.WriteUuid(TopicId);
        MetadataFieldCodec.WriteInt32Array(writer, Replicas);
        MetadataFieldCodec.WriteInt32Array(writer, Isr);
        MetadataFieldCodec.WriteInt32Array(writer, RemovingReplicas);
        MetadataFieldCodec.WriteInt32Array(writer, AddingReplicas);
        writer.WriteInt32(Leader);
        writer.WriteInt32(LeaderEpoch);
        writer.WriteInt32(PartitionEpoch);
        if (RecordVersion >= 1)
        {
            MetadataFieldCodec.WriteUuidArray(writer, Directories);
        }
        // Tagged fields in tag order; each only when it differs from its default.
        var recovery = LeaderRecoveryState != LeaderRecoveryState.Recovered;
        var tags = (recovery ? 1u : 0u) + (EligibleLeaderReplicas is null ? 0u : 1u) + (LastKnownElr is null ? 0u : 1u);
        writer.WriteUnsignedVarInt(tags);
        if (recovery)
        {
            writer.WriteUnsignedVarInt(0);
            writer.WriteUnsignedVarInt(1);
            writer.WriteInt8((sbyte)LeaderRecoveryState);
        }
        if (EligibleLeaderReplicas is { } elr)
        {
            MetadataFieldCodec.WriteNullableInt32ArrayTag(writer, 1, elr);
        }
        if (LastKnownElr is { } lastKnown)
        {
            MetadataFieldCodec.WriteNullableInt32ArrayTag(writer, 2, lastKnown);
        }
    }

    internal static PartitionRecord Read(ref ProtocolReader reader, short version)
    {
        if (version > MaxVersion)
        {
            throw new ProtocolException($"PartitionRecord version {version} is newer than this node understands");
        }
        var partitionId = reader.ReadInt32();
        var topicId = reader.ReadUuid();
        var replicas = MetadataFieldCodec.ReadInt32Array(ref reader);
        var isr = MetadataFieldCodec.ReadInt32Array(ref reader);
        var removing = MetadataFieldCodec.ReadInt32Array(ref reader);
        var adding = MetadataFieldCodec.ReadInt32Array(ref reader);
        var leader = reader.ReadInt32();
        var leaderEpoch = reader.ReadInt32();
        var partitionEpoch = reader.ReadInt32();
        ImmutableArray<Guid> directories = [];
        if (version >= 1)
        {
            directories = MetadataFieldCodec.ReadUuidArray(ref reader);
        }
        var recovery = LeaderRecoveryState.Recovered;
        ImmutableArray<int>? elr = null, lastKnownElr = null;
        var count = reader.ReadUnsignedVarInt();
        for (var i = 0u; i < count; i++)
        {
            var tag = reader.ReadUnsignedVarInt();
            var field = MetadataFieldCodec.ReadTaggedField(ref reader);
            switch (tag)
            {
                case 0:
                    recovery = MetadataFieldCodec.ReadLeaderRecoveryState(ref field);
                    break;
                case 1 when version >= 2:
                    elr = MetadataFieldCodec.ReadNullableInt32Array(ref field);
                    break;
                case 2 when version >= 2:
                    lastKnownElr = MetadataFieldCodec.ReadNullableInt32Array(ref field);
                    break;
                default:
                    break; // a tag of a newer version: ignored, as Kafka does
            }
        }
        return new PartitionRecord(partitionId, topicId, replicas, isr, leader, leaderEpoch, partitionEpoch)
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
