using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// UnfenceBrokerRecord (apiKey 8, v0): this incarnation of a broker caught up with the metadata
/// log and heartbeats within its session: it may lead partitions and be placed on again.
/// </summary>
public sealed record UnfenceBrokerRecord(int Id, long Epoch) : MetadataRecord
{
    public override MetadataRecordType Type => MetadataRecordType.UnfenceBroker;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteInt32(Id);
        writer.WriteInt64(Epoch);
        MetadataFieldCodec.WriteEmptyTaggedFields(writer);
    }

    internal static UnfenceBrokerRecord Read(ref ProtocolReader reader, short version)
    {
        var record = new UnfenceBrokerRecord(reader.ReadInt32(), reader.ReadInt64());
        MetadataFieldCodec.SkipTaggedFields(ref reader);
        return record;
    }
}
