using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>TopicRecord (apiKey 2, v0): a topic was created with this name and id.</summary>
public sealed record TopicRecord(string Name, Guid TopicId) : MetadataRecord
{
    public override MetadataRecordType Type => MetadataRecordType.Topic;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteString(Name, compact: true);
        writer.WriteUuid(TopicId);
        MetadataFieldCodec.WriteEmptyTaggedFields(writer);
    }

    internal static TopicRecord Read(ref ProtocolReader reader, short version)
    {
        var record = new TopicRecord(MetadataFieldCodec.ReadString(ref reader), reader.ReadUuid());
        MetadataFieldCodec.SkipTaggedFields(ref reader);
        return record;
    }
}
