using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>FeatureLevelRecord (apiKey 12, v0): the finalized level of a feature (e.g. metadata.version).</summary>
public sealed record FeatureLevelRecord(string Name, short FeatureLevel) : MetadataRecord
{
    public override MetadataRecordType Type => MetadataRecordType.FeatureLevel;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteString(Name, compact: true);
        writer.WriteInt16(FeatureLevel);
        MetadataFieldCodec.WriteEmptyTaggedFields(writer);
    }

    internal static FeatureLevelRecord Read(ref ProtocolReader reader, short version)
    {
        var record = new FeatureLevelRecord(MetadataFieldCodec.ReadString(ref reader), reader.ReadInt16());
        MetadataFieldCodec.SkipTaggedFields(ref reader);
        return record;
    }
}
