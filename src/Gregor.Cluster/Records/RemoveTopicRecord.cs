using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>RemoveTopicRecord (apiKey 9, v0): the topic and all its partitions and configs are gone.</summary>
public sealed record RemoveTopicRecord(Guid TopicId) : MetadataRecord
{
    public override MetadataRecordType Type => MetadataRecordType.RemoveTopic;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteUuid(TopicId);
        MetadataFieldCodec.WriteEmptyTaggedFields(writer);
    }

    internal static RemoveTopicRecord Read(ref ProtocolReader reader, short version)
    {
        var record = new RemoveTopicRecord(reader.ReadUuid());
        MetadataFieldCodec.SkipTaggedFields(ref reader);
        return record;
    }
}
