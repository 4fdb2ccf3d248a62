using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;

namespace Gregor.Testing;

/// <summary>
/// Encodes requests and decodes responses with the generated messages, for tests that talk
/// to the broker over <see cref="RawKafkaConnection"/>. Stateless.
/// </summary>
public static class KafkaWire
{
    /// <summary>The request payload (without the length prefix) for <paramref name="body"/> at <paramref name="version"/>.</summary>
    public static byte[] Request(IRequestMessage body, short version, int correlationId, string? clientId = "gregor-test")
    {
        ArgumentNullException.ThrowIfNull(body);
        using var writer = new ProtocolWriter();
        var header = new RequestHeader { ApiKey = body.ApiKey, ApiVersion = version, CorrelationId = correlationId, ClientId = clientId };
        MessageFraming.WriteRequest(writer, header, body);
        return writer.WrittenSpan[4..].ToArray();
    }

    /// <summary>Decodes a response payload; returns the correlation id from its header.</summary>
    public static T Response<T>(byte[] payload, short version, out int correlationId)
        where T : class, IResponseMessage, new()
    {
        ArgumentNullException.ThrowIfNull(payload);
        var key = new T().ApiKey;
        var reader = new ProtocolReader(payload);
        var header = ResponseHeader.Read(ref reader, ApiMessageFactory.ResponseHeaderVersion(key, version));
        correlationId = header.CorrelationId;
        var body = (T)MessageFraming.ReadResponseBody(ref reader, key, version);
        if (!reader.End)
        {
            throw new InvalidOperationException($"{reader.Remaining} bytes left after the {typeof(T).Name} v{version} body");
        }
        return body;
    }

    /// <summary>Sends a request and reads its response (null if the broker closed the connection).</summary>
    public static async Task<T?> RoundTripAsync<T>(RawKafkaConnection connection, IRequestMessage body, short version, int correlationId = 1)
        where T : class, IResponseMessage, new()
    {
        ArgumentNullException.ThrowIfNull(connection);
        await connection.SendFrameAsync(Request(body, version, correlationId)).ConfigureAwait(false);
        var payload = await connection.ReceiveFrameAsync().ConfigureAwait(false);
        if (payload is null)
        {
            return null;
        }
        var response = Response<T>(payload, version, out var received);
        return received == correlationId
            ? response
            : throw new InvalidOperationException($"correlation id {received}, expected {correlationId}");
    }
}
