using System.Buffers.Binary;
using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Messages;

/// <summary>
/// The request header: v0 (api key, api version, correlation id), v1 (+ client id, a nullable
/// non-compact string even in flexible requests), v2 (+ tagged fields). The header version
/// follows from the api key and version (<see cref="ApiMessageFactory.RequestHeaderVersion"/>),
/// which is why <see cref="Read"/> reads those two first. Plain mutable data; not thread-safe.
/// </summary>
public sealed class RequestHeader
{
    public ApiKey ApiKey { get; set; }
    public short ApiVersion { get; set; }
    public int CorrelationId { get; set; }
    public string? ClientId { get; set; }
    public List<RawTaggedField>? UnknownTaggedFields { get; set; }

    /// <summary>
    /// Reads a header and reports its version. For an api key this build does not know, only the
    /// v0 part is read (headerVersion 0): the correlation id is still there for an error reply,
    /// and the body cannot be parsed anyway.
    /// </summary>
    public static RequestHeader Read(ref ProtocolReader reader, out short headerVersion)
    {
        var header = new RequestHeader
        {
            ApiKey = (ApiKey)reader.ReadInt16(),
            ApiVersion = reader.ReadInt16(),
            CorrelationId = reader.ReadInt32(),
        };
        if (!ApiMessageFactory.IsKnown(header.ApiKey))
        {
            headerVersion = 0;
            return header;
        }
        headerVersion = ApiMessageFactory.RequestHeaderVersion(header.ApiKey, header.ApiVersion);
        if (headerVersion >= 1)
        {
            header.ClientId = reader.ReadString(compact: false, nullable: true);
        }
        if (headerVersion >= 2)
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

    /// <summary>
    /// The first eight bytes of a request (after the length prefix), readable even when the rest
    /// is malformed, so the broker can still answer or log by correlation id.
    /// </summary>
    public static bool TryPeek(ReadOnlySpan<byte> request, out ApiKey apiKey, out short apiVersion, out int correlationId)
    {
        if (request.Length < 8)
        {
            apiKey = default;
            apiVersion = 0;
            correlationId = 0;
            return false;
        }
        apiKey = (ApiKey)BinaryPrimitives.ReadInt16BigEndian(request);
        apiVersion = BinaryPrimitives.ReadInt16BigEndian(request[2..]);
        correlationId = BinaryPrimitives.ReadInt32BigEndian(request[4..]);
        return true;
    }

    public void Write(ProtocolWriter writer, short headerVersion)
    {
        writer.WriteInt16((short)ApiKey);
        writer.WriteInt16(ApiVersion);
        writer.WriteInt32(CorrelationId);
        if (headerVersion >= 1)
        {
            writer.WriteString(ClientId, compact: false);
        }
        if (headerVersion >= 2)
        {
            writer.WriteUnsignedVarInt((uint)(UnknownTaggedFields?.Count ?? 0));
            TaggedFields.WriteUnknownBefore(writer, UnknownTaggedFields, 0, int.MaxValue);
        }
    }
}
