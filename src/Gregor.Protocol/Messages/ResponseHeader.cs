using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Messages;

/// <summary>
/// The response header: v0 (correlation id), v1 (+ tagged fields) for flexible responses,
/// except ApiVersions responses, which are always v0 so a client that sent a version the
/// broker does not know can still read the answer. Plain mutable data; not thread-safe.
/// </summary>
public sealed class ResponseHeader
{
    public int CorrelationId { get; set; }
    public List<RawTaggedField>? UnknownTaggedFields { get; set; }

    public static ResponseHeader Read(ref ProtocolReader reader, short headerVersion)
    {
        var header = new ResponseHeader { CorrelationId = reader.ReadInt32() };
        if (headerVersion >= 1)
        {
            var count = reader.ReadUnsignedVarInt();
            for (uint i = 0; i < count; i++)
            {
                var tag = reader.ReadTag();
                var size = reader.ReadTaggedFieldSize();
                (header.UnknownTaggedFields ??= []).Add(new RawTaggedField(tag, reader.ReadMemory(size)));
            }
        }
        return header;
    }

    public void Write(ProtocolWriter writer, short headerVersion)
    {
        writer.WriteInt32(CorrelationId);
        if (headerVersion >= 1)
        {
            writer.WriteUnsignedVarInt((uint)(UnknownTaggedFields?.Count ?? 0));
            TaggedFields.WriteUnknownBefore(writer, UnknownTaggedFields, 0, int.MaxValue);
        }
    }

    /// <summary>Writes a header with no tagged fields without allocating one.</summary>
    public static void Write(ProtocolWriter writer, int correlationId, short headerVersion)
    {
        writer.WriteInt32(correlationId);
        if (headerVersion >= 1)
        {
            writer.WriteUnsignedVarInt(0);
        }
    }
}
