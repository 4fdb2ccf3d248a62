using System.Buffers.Binary;
using Gregor.Broker.Network;
using Gregor.Protocol;

namespace Gregor.Broker.Tests.Network;

/// <summary>
/// A request processor for network-layer tests. Request payload: int16 kind, int32 id,
/// int32 delay in ms, int32 response padding bytes. It answers after the delay with the id,
/// the request's length and the padding. Kind 1 = answer nothing (like acks=0), kind 2 =
/// malformed (throws ProtocolException while "decoding"), kind 3 = handler crash.
/// Thread-safe.
/// </summary>
internal sealed class ScriptedRequestProcessor : IRequestProcessor
{
    public const short Answer = 0;
    public const short NoAnswer = 1;
    public const short Malformed = 2;
    public const short Crash = 3;

    private int _started;

    public int Started => Volatile.Read(ref _started);

    public static byte[] Request(short kind, int id, int delayMs = 0, int responsePadding = 0, int extraBytes = 0)
    {
        var payload = new byte[14 + extraBytes];
        BinaryPrimitives.WriteInt16BigEndian(payload, kind);
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(2), id);
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(6), delayMs);
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(10), responsePadding);
        for (var i = 14; i < payload.Length; i++)
        {
            payload[i] = (byte)i;
        }
        return payload;
    }

    public async ValueTask<ResponseFrame?> ProcessAsync(ConnectionInfo connection, RequestFrame request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _started);
        var payload = request.Payload;
        if (payload.Length < 14)
        {
            throw new ProtocolException("scripted request too short");
        }
        var kind = BinaryPrimitives.ReadInt16BigEndian(payload.Span);
        var id = BinaryPrimitives.ReadInt32BigEndian(payload.Span[2..]);
        var delayMs = BinaryPrimitives.ReadInt32BigEndian(payload.Span[6..]);
        var padding = BinaryPrimitives.ReadInt32BigEndian(payload.Span[10..]);
        var checksum = 0;
        foreach (var b in payload.Span[14..])
        {
            checksum = (checksum * 31) + b;
        }
        switch (kind)
        {
            case Malformed:
                throw new ProtocolException("scripted malformed request");
            case Crash:
                throw new InvalidOperationException("scripted handler crash");
        }
        if (delayMs > 0)
        {
            await Task.Delay(delayMs, cancellationToken);
        }
        if (kind == NoAnswer)
        {
            return null;
        }
        var response = new byte[12 + padding];
        BinaryPrimitives.WriteInt32BigEndian(response, id);
        BinaryPrimitives.WriteInt32BigEndian(response.AsSpan(4), payload.Length);
        BinaryPrimitives.WriteInt32BigEndian(response.AsSpan(8), checksum);
        return PooledResponseFrame.FromPayload(response);
    }

    public static int ResponseId(byte[] response) => BinaryPrimitives.ReadInt32BigEndian(response);

    public static int ResponseRequestLength(byte[] response) => BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(4));

    public static int Checksum(byte[] request)
    {
        var checksum = 0;
        foreach (var b in request.AsSpan(14))
        {
            checksum = (checksum * 31) + b;
        }
        return checksum;
    }

    public static int ResponseChecksum(byte[] response) => BinaryPrimitives.ReadInt32BigEndian(response.AsSpan(8));
}
