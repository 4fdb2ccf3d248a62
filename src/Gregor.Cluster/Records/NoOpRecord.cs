using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// NoOpRecord (apiKey 20, v0, no fields): written by a newly active controller so that its own
/// epoch has a committed entry — once it commits, every entry of earlier epochs has been
/// replayed and the controller's in-memory state is complete (KIP-835 uses it as a heartbeat too).
/// </summary>
public sealed record NoOpRecord : MetadataRecord
{
    public override MetadataRecordType Type => MetadataRecordType.NoOp;

    internal override void WriteFields(ProtocolWriter writer) => MetadataFieldCodec.WriteEmptyTaggedFields(writer);

    internal static NoOpRecord Read(ref ProtocolReader reader, short version)
    {
        MetadataFieldCodec.SkipTaggedFields(ref reader);
        return new NoOpRecord();
    }
}
