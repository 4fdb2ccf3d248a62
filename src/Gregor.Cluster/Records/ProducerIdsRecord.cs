using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// ProducerIdsRecord (apiKey 15, v0): a block of producer ids was handed out;
/// <see cref="NextProducerId"/> is the first id of the next block, so ids never repeat after a restart.
/// </summary>
public sealed record ProducerIdsRecord(int BrokerId, long BrokerEpoch, long NextProducerId) : MetadataRecord
{
    public override MetadataRecordType Type => MetadataRecordType.ProducerIds;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteInt32(BrokerId);
        writer.WriteInt64(BrokerEpoch);
        writer.WriteInt64(NextProducerId);
        MetadataFieldCodec.WriteEmptyTaggedFields(writer);
    }

    internal static ProducerIdsRecord Read(ref ProtocolReader reader, short version)
    {
        var record = new ProducerIdsRecord(reader.ReadInt32(), reader.ReadInt64(), reader.ReadInt64());
        MetadataFieldCodec.SkipTaggedFields(ref reader);
        return record;
    }
}
