using System.Buffers.Binary;
using Gregor.Broker.Tests.Support;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Tests.Network;

/// <summary>
/// Hostile and broken clients over raw sockets against the real dispatcher: each gets an error
/// or a closed connection, and a well-behaved client on another connection keeps getting
/// ApiVersions answers the whole time.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private TestBroker _broker = null!;
    private RawKafkaConnection _wellBehaved = null!;
    private CancellationTokenSource _stop = null!;
    private Task<int> _wellBehavedLoop = null!;
    private int _answered;

    public async ValueTask InitializeAsync()
    {
        _broker = await TestBroker.StartAsync();
        _wellBehaved = await _broker.ConnectAsync();
        _stop = new CancellationTokenSource();
        _wellBehavedLoop = Task.Run(async () =>
        {
            var answered = 0;
            while (!_stop.IsCancellationRequested)
            {
                var response = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(
                    _wellBehaved,
                    new ApiVersionsRequest { ClientSoftwareName = "good", ClientSoftwareVersion = "1" },
                    3,
                    correlationId: answered);
                if (response is null || response.ErrorCode != 0)
                {
                    throw new InvalidOperationException($"the well-behaved client got {(response is null ? "a closed connection" : $"error {response.ErrorCode}")}");
                }
                answered++;
                Interlocked.Increment(ref _answered);
            }
            return answered;
        });
        // It works before the abuse starts.
        await Eventually.TrueAsync(() => _wellBehavedLoop.IsFaulted || Volatile.Read(ref _answered) > 0, "the well-behaved client is answered");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        var answered = await _wellBehavedLoop; // rethrows if the good client ever failed
        Assert.True(answered > 0);
        _wellBehaved.Dispose();
        _stop.Dispose();
        await _broker.DisposeAsync();
    }

    private async Task AssertClosedAndOthersUnaffectedAsync(RawKafkaConnection bad, string loggedReason)
    {
        var answeredBefore = Volatile.Read(ref _answered);
        Assert.True(await bad.IsClosedByPeerAsync(), "the broker closes the bad connection");
        await Eventually.TrueAsync(() => _broker.Logs.Contains(loggedReason), $"the reason \"{loggedReason}\" is logged");
        using var fresh = await _broker.ConnectAsync();
        var response = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(fresh, new ApiVersionsRequest(), 0);
        Assert.NotNull(response);
        Assert.Equal((short)ErrorCode.None, response.ErrorCode);
        await Eventually.TrueAsync(
            () => _wellBehavedLoop.IsFaulted || Volatile.Read(ref _answered) > answeredBefore + 10,
            "the well-behaved client keeps being answered");
        Assert.False(_wellBehavedLoop.IsFaulted, "the well-behaved client kept working");
    }

    [Fact]
    public async Task Garbage_ClosesTheConnection()
    {
        using var bad = await _broker.ConnectAsync();
        var garbage = new byte[4096];
        new Random(42).NextBytes(garbage);
        BinaryPrimitives.WriteInt32BigEndian(garbage, 100); // a plausible length, then noise

        await bad.SendRawAsync(garbage);

        await AssertClosedAndOthersUnaffectedAsync(bad, "closing connection");
    }

    [Fact]
    public async Task HttpRequestInsteadOfKafka_ClosesTheConnection()
    {
        using var bad = await _broker.ConnectAsync();

        // "GET " read as a length is 1,195,725,856 bytes: above socket.request.max.bytes.
        await bad.SendRawAsync("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"u8.ToArray());

        await AssertClosedAndOthersUnaffectedAsync(bad, "exceeds socket.request.max.bytes");
    }

    [Fact]
    public async Task TwoGibLengthPrefix_ClosesTheConnectionWithoutAllocating()
    {
        using var bad = await _broker.ConnectAsync();
        var before = GC.GetTotalAllocatedBytes(precise: false);

        await bad.SendRawAsync(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4 });

        await AssertClosedAndOthersUnaffectedAsync(bad, "request size 2147483647 exceeds socket.request.max.bytes (104857600)");
        Assert.True(GC.GetTotalAllocatedBytes(precise: false) - before < 64L * 1024 * 1024, "no buffer sized by the prefix was allocated");
    }

    [Fact]
    public async Task NegativeLengthPrefix_ClosesTheConnection()
    {
        using var bad = await _broker.ConnectAsync();

        await bad.SendRawAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFE });

        await AssertClosedAndOthersUnaffectedAsync(bad, "invalid request size -2 (negative)");
    }

    [Fact]
    public async Task TruncatedFrameThenClose_IsLoggedAndReleased()
    {
        using var bad = await _broker.ConnectAsync();
        var frame = new byte[4 + 10];
        BinaryPrimitives.WriteInt32BigEndian(frame, 5000);

        await bad.SendRawAsync(frame);
        bad.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        await AssertClosedAndOthersUnaffectedAsync(bad, "in the middle of a request frame");
    }

    [Fact]
    public async Task LargeTruncatedFrameThenClose_IsLoggedAndReleased()
    {
        using var bad = await _broker.ConnectAsync();
        var frame = new byte[4 + (2 * 1024 * 1024)];
        BinaryPrimitives.WriteInt32BigEndian(frame, 50 * 1024 * 1024);

        await bad.SendRawAsync(frame);
        bad.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        await AssertClosedAndOthersUnaffectedAsync(bad, "in the middle of a request frame");
    }

    [Fact]
    public async Task FrameShorterThanRequestHeader_ClosesTheConnection()
    {
        using var bad = await _broker.ConnectAsync();

        await bad.SendFrameAsync(new byte[] { 0, 18, 0 });

        await AssertClosedAndOthersUnaffectedAsync(bad, "shorter than a request header");
    }

    [Fact]
    public async Task UnknownApiKey_ClosesTheConnection()
    {
        using var bad = await _broker.ConnectAsync();
        var payload = KafkaWire.Request(new ApiVersionsRequest(), 0, correlationId: 9);
        BinaryPrimitives.WriteInt16BigEndian(payload, 9999);

        await bad.SendFrameAsync(payload);

        await AssertClosedAndOthersUnaffectedAsync(bad, "unknown API key 9999");
    }

    [Fact]
    public async Task UnsupportedApiVersionsVersion_GetsUnsupportedVersionAndConnectionStaysUsable()
    {
        using var client = await _broker.ConnectAsync();
        var payload = KafkaWire.Request(new ApiVersionsRequest(), 3, correlationId: 11);
        BinaryPrimitives.WriteInt16BigEndian(payload.AsSpan(2), 1000);

        await client.SendFrameAsync(payload);
        var answer = await client.ReceiveFrameAsync();

        Assert.NotNull(answer);
        var response = KafkaWire.Response<ApiVersionsResponse>(answer, 0, out var correlationId);
        Assert.Equal(11, correlationId);
        Assert.Equal((short)ErrorCode.UnsupportedVersion, response.ErrorCode);
        // As a real client does next: retry at a version the broker offers.
        var retry = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(client, new ApiVersionsRequest(), 0, correlationId: 12);
        Assert.NotNull(retry);
        Assert.Equal((short)ErrorCode.None, retry.ErrorCode);
    }

    [Fact]
    public async Task HostileStringLength_ClosesTheConnectionWithoutAllocating()
    {
        using var bad = await _broker.ConnectAsync();
        // ApiVersions v3 ends: len(a) 'a' len(b) 'b' tags. Turning the first length byte into a
        // varint continuation makes the name claim ~12 KiB in a frame of a few dozen bytes.
        var payload = KafkaWire.Request(new ApiVersionsRequest { ClientSoftwareName = "a", ClientSoftwareVersion = "b" }, 3, correlationId: 1);
        payload[^5] = 0xFF;

        await bad.SendFrameAsync(payload);

        await AssertClosedAndOthersUnaffectedAsync(bad, "malformed request");
    }
}
