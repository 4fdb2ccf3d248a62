using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// ConfigRecord (apiKey 4, v0): sets one dynamic config of a resource, or removes it when
/// <see cref="Value"/> is null. Resource types as Kafka's ConfigResource: 2 topic, 4 broker.
/// </summary>
public sealed record ConfigRecord(sbyte ResourceType, string ResourceName, string Name, string? Value) : MetadataRecord
{
    public const sbyte TopicResource = 2;
    public const sbyte BrokerResource = 4;

    public override MetadataRecordType Type => MetadataRecordType.Config;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteInt8(ResourceType);
        writer.WriteString(ResourceName, compact: true);
        writer.WriteString(Name, compact: true);
        writer.WriteString(Value, compact: true);
        MetadataFieldCodec.WriteEmptyTaggedFields(writer);
    }

    internal static ConfigRecord Read(ref ProtocolReader reader, short version)
    {
        var record = new ConfigRecord(
            reader.ReadInt8(),
            MetadataFieldCodec.ReadString(ref reader),
            MetadataFieldCodec.ReadString(ref reader),
            MetadataFieldCodec.ReadNullableString(ref reader));
        MetadataFieldCodec.SkipTaggedFields(ref reader);
        return record;
    }
}
