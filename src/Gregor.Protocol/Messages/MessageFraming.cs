using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Messages;

/// <summary>
/// Whole frames: a 4-byte big-endian length, the header, the body. The length is patched
/// after the body is written, so there is no size pass. On a write error the writer is rewound
/// to where the frame started, so a half-written frame is never sent. Stateless.
/// </summary>
public static class MessageFraming
{
    /// <summary>Appends a complete response frame for <paramref name="body"/> at <paramref name="version"/>.</summary>
    public static void WriteResponse(ProtocolWriter writer, int correlationId, ApiKey apiKey, short version, IResponseMessage body)
    {
        var start = writer.Length;
        try
        {
            writer.WriteInt32(0);
            ResponseHeader.Write(writer, correlationId, ApiMessageFactory.ResponseHeaderVersion(apiKey, version));
            body.Write(writer, version);
            writer.PatchInt32(start, checked((int)(writer.LengthSince(start) - 4)));
        }
        catch
        {
            writer.Rewind(start);
            throw;
        }
    }

    /// <summary>Appends a complete request frame (clients and tests).</summary>
    public static void WriteRequest(ProtocolWriter writer, RequestHeader header, IRequestMessage body)
    {
        var start = writer.Length;
        try
        {
            writer.WriteInt32(0);
            header.Write(writer, ApiMessageFactory.RequestHeaderVersion(header.ApiKey, header.ApiVersion));
            body.Write(writer, header.ApiVersion);
            writer.PatchInt32(start, checked((int)(writer.LengthSince(start) - 4)));
        }
        catch
        {
            writer.Rewind(start);
            throw;
        }
    }

    /// <summary>
    /// Parses the body that follows a request header: the api key must be known and the version
    /// readable, else <see cref="UnsupportedVersionException"/>.
    /// </summary>
    public static IRequestMessage ReadRequestBody(ref ProtocolReader reader, RequestHeader header)
    {
        var (lowest, highest) = ApiMessageFactory.ReadableVersions(header.ApiKey);
        if (header.ApiVersion < lowest || header.ApiVersion > highest)
        {
            throw new UnsupportedVersionException($"{header.ApiKey} v{header.ApiVersion} is not supported");
        }
        var body = ApiMessageFactory.CreateRequest(header.ApiKey);
        body.Read(ref reader, header.ApiVersion);
        return body;
    }

    /// <summary>Parses a response body (clients and tests).</summary>
    public static IResponseMessage ReadResponseBody(ref ProtocolReader reader, ApiKey apiKey, short version)
    {
        var body = ApiMessageFactory.CreateResponse(apiKey);
        body.Read(ref reader, version);
        return body;
    }
}
