using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// FenceBrokerRecord (apiKey 7, v0): the controller fenced this incarnation of a broker (session
/// expired, or it asked to be fenced); it leaves every ISR and may not lead partitions.
/// </summary>
public sealed record FenceBrokerRecord(int Id, long Epoch) : MetadataRecord
{
    public override MetadataRecordType Type => MetadataRecordType.FenceBroker;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteInt32(Id);
        writer.WriteInt64(Epoch);
        MetadataFieldCodec.WriteEmptyTaggedFields(writer);
    }

    internal static FenceBrokerRecord Read(ref ProtocolReader reader, short version)
    {
        var record = new FenceBrokerRecord(reader.ReadInt32(), reader.ReadInt64());
        MetadataFieldCodec.SkipTaggedFields(ref reader);
        return record;
    }
}
