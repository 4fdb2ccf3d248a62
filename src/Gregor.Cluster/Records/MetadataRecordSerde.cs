using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// Frames a metadata record as Kafka's MetadataRecordSerde does, as the value of one record in
/// the metadata log:
/// <code>
/// uvarint frameVersion (1) | uvarint apiKey | uvarint version | fields... | tagged fields
/// e.g. TopicRecord "t1": 01 02 00 03 74 31 [16-byte uuid] 00
/// </code>
/// Stateless and thread-safe.
/// </summary>
public static class MetadataRecordSerde
{
    public const uint FrameVersion = 1;

    public static void Write(ProtocolWriter writer, MetadataRecord record)
    {
        writer.WriteUnsignedVarInt(FrameVersion);
        writer.WriteUnsignedVarInt((uint)record.Type);
        writer.WriteUnsignedVarInt((uint)record.Version);
        record.WriteFields(writer);
    }

    public static byte[] Serialize(MetadataRecord record)
    {
        using var writer = new ProtocolWriter();
        Write(writer, record);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Decodes one record value. Returns null for a record type this node does not apply
    /// (e.g. ACLs, quotas), so a log written by a newer node still replays. Throws
    /// <see cref="ProtocolException"/> for malformed bytes.
    /// </summary>
    public static MetadataRecord? Read(ReadOnlyMemory<byte> value)
    {
        var reader = new ProtocolReader(value);
        var frameVersion = reader.ReadUnsignedVarInt();
        if (frameVersion != FrameVersion)
        {
            throw new ProtocolException($"metadata record frame version {frameVersion} is not supported");
        }
        var apiKey = reader.ReadUnsignedVarInt();
        var version = reader.ReadUnsignedVarInt();
        if (version > short.MaxValue)
        {
            throw new ProtocolException($"metadata record version {version} is out of range");
        }
        var v = (short)version;
        MetadataRecord? record = (MetadataRecordType)apiKey switch
        {
            MetadataRecordType.RegisterBroker => RegisterBrokerRecord.Read(ref reader, v),
            MetadataRecordType.UnregisterBroker => UnregisterBrokerRecord.Read(ref reader, v),
            MetadataRecordType.PartitionChange => PartitionChangeRecord.Read(ref reader, v),
            MetadataRecordType.FenceBroker => FenceBrokerRecord.Read(ref reader, v),
            MetadataRecordType.UnfenceBroker => UnfenceBrokerRecord.Read(ref reader, v),
            MetadataRecordType.BrokerRegistrationChange => BrokerRegistrationChangeRecord.Read(ref reader, v),
            MetadataRecordType.NoOp => NoOpRecord.Read(ref reader, v),
            MetadataRecordType.Topic => TopicRecord.Read(ref reader, v),
            MetadataRecordType.Partition => PartitionRecord.Read(ref reader, v),
            MetadataRecordType.Config => ConfigRecord.Read(ref reader, v),
            MetadataRecordType.RemoveTopic => RemoveTopicRecord.Read(ref reader, v),
            MetadataRecordType.FeatureLevel => FeatureLevelRecord.Read(ref reader, v),
            MetadataRecordType.ProducerIds => ProducerIdsRecord.Read(ref reader, v),
            _ => null,
        };
        if (record is not null && !reader.End)
        {
            throw new ProtocolException($"{reader.Remaining} trailing bytes after metadata record {record.Type}");
        }
        return record;
    }
}
