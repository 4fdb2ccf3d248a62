using System.Buffers.Binary;
using System.Net.Sockets;
using Gregor.Broker.Tests.Support;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Tests.Network;

/// <summary>
/// How the broker answers a client that closes its side of the connection: it flushes every
/// response it owes and closes with a FIN, never a reset (issue 10, item 4: clients logged
/// ECONNRESET on every disconnect). Raw sockets against a real broker; a reset shows up on the
/// client as <see cref="SocketError.ConnectionReset"/> from a receive.
/// </summary>
public sealed class ConnectionCloseTests
{
    private const short ApiVersionsVersion = 3;

    [Fact]
    public async Task HalfCloseAfterRequest_ResponseIsDeliveredThenEndOfStream_NotReset()
    {
        await using var broker = await TestBroker.StartAsync();
        using var socket = await ConnectAsync(broker);

        await SendFrameAsync(socket, ApiVersionsRequest(correlationId: 7));
        socket.Shutdown(SocketShutdown.Send);

        var response = await ReceiveFrameAsync(socket);
        Assert.NotNull(response);
        var decoded = KafkaWire.Response<ApiVersionsResponse>(response, ApiVersionsVersion, out var correlationId);
        Assert.Equal(7, correlationId);
        Assert.Equal(0, decoded.ErrorCode);
        Assert.Equal(0, await ReceiveToEndAsync(socket));
    }

    [Fact]
    public async Task HalfCloseAfterPipelinedRequests_EveryResponseIsDeliveredInOrderThenEndOfStream()
    {
        await using var broker = await TestBroker.StartAsync();
        using var socket = await ConnectAsync(broker);
        const int Requests = 20;

        // One write holding every frame, then the FIN: the broker sees the end of the stream while
        // most requests are still unanswered.
        using var all = new MemoryStream();
        for (var i = 0; i < Requests; i++)
        {
            var payload = ApiVersionsRequest(correlationId: i);
            var prefix = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(prefix, payload.Length);
            all.Write(prefix);
            all.Write(payload);
        }
        await socket.SendAsync(all.ToArray(), SocketFlags.None, TestContext.Current.CancellationToken);
        socket.Shutdown(SocketShutdown.Send);

        for (var i = 0; i < Requests; i++)
        {
            var response = await ReceiveFrameAsync(socket);
            Assert.NotNull(response);
            KafkaWire.Response<ApiVersionsResponse>(response, ApiVersionsVersion, out var correlationId);
            Assert.Equal(i, correlationId);
        }
        Assert.Equal(0, await ReceiveToEndAsync(socket));
    }

    [Fact]
    public async Task CloseWhileIdle_IsAnsweredWithEndOfStream_NotReset()
    {
        await using var broker = await TestBroker.StartAsync();
        using var socket = await ConnectAsync(broker);
        // A full round trip first, so the broker is inside its read loop with nothing owed.
        await SendFrameAsync(socket, ApiVersionsRequest(correlationId: 1));
        Assert.NotNull(await ReceiveFrameAsync(socket));

        // The broker cannot tell this FIN from a close(): what it sends back is what a closing
        // client's kernel would get — and a reset would surface here as ConnectionReset.
        socket.Shutdown(SocketShutdown.Send);

        Assert.Equal(0, await ReceiveToEndAsync(socket));
        await Eventually.TrueAsync(() => broker.Logs.Contains("peer closed the connection"), "the broker logs the peer's close");
    }

    [Fact]
    public async Task CloseBeforeAnyRequest_IsAnsweredWithEndOfStream_NotReset()
    {
        await using var broker = await TestBroker.StartAsync();
        using var socket = await ConnectAsync(broker);

        socket.Shutdown(SocketShutdown.Send);

        Assert.Equal(0, await ReceiveToEndAsync(socket));
    }

    [Fact]
    public async Task MalformedFrame_StillClosesTheConnection()
    {
        await using var broker = await TestBroker.StartAsync();
        using var socket = await ConnectAsync(broker);

        // A negative length is a protocol violation: the broker closes (abort is allowed here).
        var bad = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(bad, -5);
        await socket.SendAsync(bad, SocketFlags.None, TestContext.Current.CancellationToken);

        var closed = await ReceiveUntilClosedAsync(socket);
        Assert.True(closed, "the broker closes a connection that sent a negative frame length");
    }

    private static async Task<Socket> ConnectAsync(TestBroker broker)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(broker.EndPoint, TestContext.Current.CancellationToken);
        return socket;
    }

    private static byte[] ApiVersionsRequest(int correlationId) =>
        KafkaWire.Request(new ApiVersionsRequest { ClientSoftwareName = "close-test", ClientSoftwareVersion = "1" }, ApiVersionsVersion, correlationId);

    private static async Task SendFrameAsync(Socket socket, byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        await socket.SendAsync(frame, SocketFlags.None, TestContext.Current.CancellationToken);
    }

    /// <summary>One frame's payload, or null at end of stream. A reset throws (the failure under test).</summary>
    private static async Task<byte[]?> ReceiveFrameAsync(Socket socket)
    {
        var prefix = new byte[4];
        if (!await ReceiveExactlyAsync(socket, prefix))
        {
            return null;
        }
        var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        return await ReceiveExactlyAsync(socket, payload) ? payload : null;
    }

    private static async Task<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await socket.ReceiveAsync(buffer[filled..], SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                return false;
            }
            filled += read;
        }
        return true;
    }

    /// <summary>Reads until the broker closes; returns the bytes that came first (0 expected). A reset throws.</summary>
    private static async Task<int> ReceiveToEndAsync(Socket socket)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        var total = 0;
        while (true)
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (read == 0)
            {
                return total;
            }
            total += read;
        }
    }

    private static async Task<bool> ReceiveUntilClosedAsync(Socket socket)
    {
        try
        {
            await ReceiveToEndAsync(socket);
            return true;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
    }
}
