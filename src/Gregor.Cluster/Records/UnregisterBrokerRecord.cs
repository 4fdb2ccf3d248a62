using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>UnregisterBrokerRecord (apiKey 1, v0): a broker was removed from the cluster (kafka-cluster.sh unregister).</summary>
public sealed record UnregisterBrokerRecord(int BrokerId, long BrokerEpoch) : MetadataRecord
{
    public override MetadataRecordType Type => MetadataRecordType.UnregisterBroker;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteInt32(BrokerId);
        writer.WriteInt64(BrokerEpoch);
        MetadataFieldCodec.WriteEmptyTaggedFields(writer);
    }

    internal static UnregisterBrokerRecord Read(ref ProtocolReader reader, short version)
    {
        var record = new UnregisterBrokerRecord(reader.ReadInt32(), reader.ReadInt64());
        MetadataFieldCodec.SkipTaggedFields(ref reader);
        return record;
    }
}
