using System.Buffers.Binary;
using Gregor.Broker.Network;
using Gregor.Broker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Network;

/// <summary>Framing, ordering, limits and backpressure of the network layer, with a scripted processor.</summary>
public sealed class KafkaConnectionTests
{
    private static async Task<(TestBroker Broker, ScriptedRequestProcessor Processor)> StartAsync(Dictionary<string, string>? overrides = null)
    {
        var processor = new ScriptedRequestProcessor();
        var broker = await TestBroker.StartAsync(overrides, services => services.AddSingleton<IRequestProcessor>(processor));
        return (broker, processor);
    }

    [Fact]
    public async Task PipelinedRequests_LaterOneFinishingFirst_AreAnsweredInRequestOrder()
    {
        var (broker, _) = await StartAsync();
        await using var _ = broker;
        using var client = await broker.ConnectAsync();

        // The first request is slowest; the last is instant: completion order is reversed.
        int[] delays = [300, 200, 100, 0, 0];
        for (var i = 0; i < delays.Length; i++)
        {
            await client.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: i, delayMs: delays[i]));
        }

        for (var i = 0; i < delays.Length; i++)
        {
            var response = await client.ReceiveFrameAsync();
            Assert.NotNull(response);
            Assert.Equal(i, ScriptedRequestProcessor.ResponseId(response));
        }
    }

    [Fact]
    public async Task RequestWithoutResponse_DoesNotBreakOrderOfLaterResponses()
    {
        var (broker, processor) = await StartAsync();
        await using var _ = broker;
        using var client = await broker.ConnectAsync();

        await client.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: 1, delayMs: 150));
        await client.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.NoAnswer, id: 2, delayMs: 50));
        await client.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: 3));

        Assert.Equal(1, ScriptedRequestProcessor.ResponseId((await client.ReceiveFrameAsync())!));
        Assert.Equal(3, ScriptedRequestProcessor.ResponseId((await client.ReceiveFrameAsync())!));
        Assert.Equal(3, processor.Started);
    }

    [Fact]
    public async Task FrameSplitIntoSingleBytes_IsReassembled()
    {
        var (broker, _) = await StartAsync();
        await using var _ = broker;
        using var client = await broker.ConnectAsync();
        var payload = ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: 7, extraBytes: 50);
        var frame = new byte[payload.Length + 4];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);

        foreach (var b in frame)
        {
            await client.SendRawAsync(new[] { b });
        }

        var response = await client.ReceiveFrameAsync();
        Assert.NotNull(response);
        Assert.Equal(7, ScriptedRequestProcessor.ResponseId(response));
        Assert.Equal(payload.Length, ScriptedRequestProcessor.ResponseRequestLength(response));
        Assert.Equal(ScriptedRequestProcessor.Checksum(payload), ScriptedRequestProcessor.ResponseChecksum(response));
    }

    [Fact]
    public async Task FrameLargerThanTransportBuffer_IsAssembledIntact()
    {
        var (broker, _) = await StartAsync();
        await using var _ = broker;
        using var client = await broker.ConnectAsync();
        var payload = ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: 9, extraBytes: 5 * 1024 * 1024);

        await client.SendFrameAsync(payload);

        var response = await client.ReceiveFrameAsync();
        Assert.NotNull(response);
        Assert.Equal(payload.Length, ScriptedRequestProcessor.ResponseRequestLength(response));
        Assert.Equal(ScriptedRequestProcessor.Checksum(payload), ScriptedRequestProcessor.ResponseChecksum(response));
    }

    [Fact]
    public async Task FrameAboveSocketRequestMaxBytes_ClosesConnectionBeforeReadingIt()
    {
        var (broker, processor) = await StartAsync(new() { ["socket.request.max.bytes"] = "1000" });
        await using var _ = broker;
        using var client = await broker.ConnectAsync();

        await client.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: 1, extraBytes: 1000));

        Assert.True(await client.IsClosedByPeerAsync());
        Assert.Equal(0, processor.Started);
        await Eventually.TrueAsync(() => broker.Logs.Contains("exceeds socket.request.max.bytes (1000)"), "the reason is logged");
    }

    [Fact]
    public async Task ResponsesToSlowReader_StopReadingNewRequestsInsteadOfBuffering()
    {
        var (broker, processor) = await StartAsync(new() { ["gregor.connection.max.inflight.requests"] = "4" });
        await using var _ = broker;
        using var client = await broker.ConnectAsync();
        client.Socket.ReceiveBufferSize = 64 * 1024;

        // 200 requests for 1 MiB responses each, and the client never reads.
        const int Requests = 200;
        var send = Task.Run(async () =>
        {
            for (var i = 0; i < Requests; i++)
            {
                await client.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: i, responsePadding: 1024 * 1024));
            }
        }, TestContext.Current.CancellationToken);

        var started = await Eventually.StableAsync(() => processor.Started);
        // Socket buffers absorb a few responses; the rest must wait unread, not be processed.
        Assert.InRange(started, 4, 40);
        Assert.False(send.IsFaulted);
    }

    [Fact]
    public async Task IdleConnection_IsClosedAfterConnectionsMaxIdleMs_WhileActiveOneStaysOpen()
    {
        var (broker, _) = await StartAsync(new() { ["connections.max.idle.ms"] = "300" });
        await using var _ = broker;
        using var idle = await broker.ConnectAsync();
        using var active = await broker.ConnectAsync();

        var closed = idle.IsClosedByPeerAsync(TimeSpan.FromSeconds(10));
        // The active connection keeps talking, more often than the idle limit.
        for (var i = 0; !closed.IsCompleted && i < 200; i++)
        {
            await active.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: i, delayMs: 50));
            Assert.Equal(i, ScriptedRequestProcessor.ResponseId((await active.ReceiveFrameAsync())!));
        }

        Assert.True(await closed);
        await active.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: 1000));
        Assert.Equal(1000, ScriptedRequestProcessor.ResponseId((await active.ReceiveFrameAsync())!));
    }

    [Fact]
    public async Task MalformedRequest_ClosesOnlyItsConnection_AfterAnsweringEarlierRequests()
    {
        var (broker, _) = await StartAsync();
        await using var _ = broker;
        using var bad = await broker.ConnectAsync();
        using var good = await broker.ConnectAsync();

        await bad.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: 1, delayMs: 100));
        await bad.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Malformed, id: 2));
        await bad.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: 3));

        Assert.Equal(1, ScriptedRequestProcessor.ResponseId((await bad.ReceiveFrameAsync())!));
        Assert.True(await bad.IsClosedByPeerAsync());
        await Eventually.TrueAsync(() => broker.Logs.Contains("malformed request: scripted malformed request"), "the reason is logged");
        await good.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: 4));
        Assert.Equal(4, ScriptedRequestProcessor.ResponseId((await good.ReceiveFrameAsync())!));
    }

    [Fact]
    public async Task HandlerCrash_ClosesItsConnectionWithLoggedError()
    {
        var (broker, _) = await StartAsync();
        await using var _ = broker;
        using var client = await broker.ConnectAsync();

        await client.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Crash, id: 1));

        Assert.True(await client.IsClosedByPeerAsync());
        await Eventually.TrueAsync(() => broker.Logs.Contains("scripted handler crash"), "the crash is logged");
    }
}
