using Gregor.Broker.Dispatch;
using Gregor.Broker.Tests.Support;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Dispatch;

/// <summary>Dispatch through the real network layer with a test handler registered via DI.</summary>
public sealed class RequestDispatcherTests
{
    private static Task<TestBroker> StartWithTestHandlerAsync() =>
        TestBroker.StartAsync(configureServices: s => s.AddSingleton<IApiHandler, DelayedHeartbeatHandler>());

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task PipelinedRequests_LaterOneCompletingFirst_AreAnsweredInRequestOrder(short version)
    {
        await using var broker = await StartWithTestHandlerAsync();
        using var client = await broker.ConnectAsync();
        int[] delays = [300, 150, 0, 50, 0];

        for (var i = 0; i < delays.Length; i++)
        {
            await client.SendFrameAsync(KafkaWire.Request(new HeartbeatRequest { GroupId = "g", GenerationId = delays[i] }, version, correlationId: 100 + i));
        }

        for (var i = 0; i < delays.Length; i++)
        {
            var payload = await client.ReceiveFrameAsync();
            Assert.NotNull(payload);
            var response = KafkaWire.Response<HeartbeatResponse>(payload, version, out var correlationId);
            Assert.Equal(100 + i, correlationId);
            Assert.Equal(delays[i], response.ThrottleTimeMs);
        }
    }

    [Fact]
    public async Task HandlerReturningNull_SendsNothing_AndLaterResponsesKeepTheirOrder()
    {
        await using var broker = await StartWithTestHandlerAsync();
        using var client = await broker.ConnectAsync();

        await client.SendFrameAsync(KafkaWire.Request(new HeartbeatRequest { GroupId = "g", GenerationId = 200 }, 4, correlationId: 1));
        await client.SendFrameAsync(KafkaWire.Request(new HeartbeatRequest { GroupId = "silent", GenerationId = 0 }, 4, correlationId: 2));
        await client.SendFrameAsync(KafkaWire.Request(new HeartbeatRequest { GroupId = "g", GenerationId = 0 }, 4, correlationId: 3));

        KafkaWire.Response<HeartbeatResponse>((await client.ReceiveFrameAsync())!, 4, out var first);
        KafkaWire.Response<HeartbeatResponse>((await client.ReceiveFrameAsync())!, 4, out var second);
        Assert.Equal((1, 3), (first, second));
    }

    [Fact]
    public async Task UnsupportedVersionOfApiWithTopLevelErrorCode_GetsUnsupportedVersion()
    {
        await using var broker = await TestBroker.StartAsync(configureServices: s => s.AddSingleton<IApiHandler>(new NarrowHeartbeatHandler()));
        using var client = await broker.ConnectAsync();

        var response = await KafkaWire.RoundTripAsync<HeartbeatResponse>(client, new HeartbeatRequest { GroupId = "g" }, 0, correlationId: 5);

        Assert.NotNull(response);
        Assert.Equal((short)ErrorCode.UnsupportedVersion, response.ErrorCode);
    }

    [Fact]
    public async Task VersionBeyondAnyKnownOne_ClosesTheConnection()
    {
        await using var broker = await StartWithTestHandlerAsync();
        using var client = await broker.ConnectAsync();
        var payload = KafkaWire.Request(new HeartbeatRequest { GroupId = "g" }, 4, correlationId: 5);
        payload[3] = 77;

        await client.SendFrameAsync(payload);

        Assert.True(await client.IsClosedByPeerAsync());
        await Eventually.TrueAsync(() => broker.Logs.Contains("Heartbeat v77 is not supported"), "the reason is logged");
    }

    [Fact]
    public async Task UnknownApiKey_ClosesTheConnection()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await broker.ConnectAsync();
        var payload = KafkaWire.Request(new ApiVersionsRequest(), 0, correlationId: 1);
        payload[0] = 0x7F; // api key 32,512
        payload[1] = 0x00;

        await client.SendFrameAsync(payload);

        Assert.True(await client.IsClosedByPeerAsync());
        await Eventually.TrueAsync(() => broker.Logs.Contains("unknown API key 32512"), "the reason is logged");
    }

    [Fact]
    public async Task KnownApiWithoutHandler_ClosesTheConnection()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await broker.ConnectAsync();

        // DeleteAcls (key 31) is a known API with no handler (no ACLs yet).
        await client.SendFrameAsync(KafkaWire.Request(new DeleteAclsRequest(), 1, correlationId: 3));

        Assert.True(await client.IsClosedByPeerAsync());
        await Eventually.TrueAsync(() => broker.Logs.Contains("DeleteAcls (API key 31) is not served by this broker"), "the reason is logged");
    }

    [Fact]
    public async Task TruncatedBody_ClosesTheConnectionAsMalformed()
    {
        await using var broker = await StartWithTestHandlerAsync();
        using var client = await broker.ConnectAsync();
        var payload = KafkaWire.Request(new HeartbeatRequest { GroupId = "group", MemberId = "member" }, 3, correlationId: 1);

        await client.SendFrameAsync(payload.AsSpan(0, payload.Length - 6));

        Assert.True(await client.IsClosedByPeerAsync());
        await Eventually.TrueAsync(() => broker.Logs.Contains("malformed request"), "the reason is logged");
    }

    private sealed class NarrowHeartbeatHandler : ApiHandler<HeartbeatRequest, HeartbeatResponse>
    {
        public override short MinVersion => 3;

        public override short MaxVersion => 4;

        protected override ValueTask<HeartbeatResponse?> HandleAsync(RequestContext context, HeartbeatRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult<HeartbeatResponse?>(new HeartbeatResponse());
    }
}
