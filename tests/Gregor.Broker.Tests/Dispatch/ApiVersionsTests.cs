using Gregor.Broker.Dispatch;
using Gregor.Broker.Tests.Support;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Dispatch;

/// <summary>ApiVersions over a real socket at every version, and its error paths.</summary>
public sealed class ApiVersionsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task ApiVersions_AtEachVersion_ListsEveryRegisteredHandlerRange(short version)
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await broker.ConnectAsync();
        var request = new ApiVersionsRequest { ClientSoftwareName = "gregor-tests", ClientSoftwareVersion = "1.0.0" };

        var response = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(client, request, version, correlationId: 42);

        Assert.NotNull(response);
        Assert.Equal((short)ErrorCode.None, response.ErrorCode);
        var registry = broker.Services.GetRequiredService<ApiHandlerRegistry>();
        Assert.Equal(
            registry.Handlers.Select(h => ((short)h.ApiKey, h.MinVersion, h.MaxVersion)),
            response.ApiKeys.Select(k => (k.ApiKey, k.MinVersion, k.MaxVersion)));
        var own = Assert.Single(response.ApiKeys, k => k.ApiKey == (short)ApiKey.ApiVersions);
        Assert.Equal(0, own.MinVersion);
        Assert.True(own.MaxVersion >= 4);
    }

    [Fact]
    public async Task ApiVersions_WithTooNewVersion_GetsV0UnsupportedVersionWithRanges()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await broker.ConnectAsync();
        // A v99 request: the body is whatever a future client sends; the broker must not parse it.
        var payload = KafkaWire.Request(new ApiVersionsRequest(), 3, correlationId: 7);
        payload[3] = 99;

        await client.SendFrameAsync(payload);
        var answer = await client.ReceiveFrameAsync();

        Assert.NotNull(answer);
        var response = KafkaWire.Response<ApiVersionsResponse>(answer, 0, out var correlationId);
        Assert.Equal(7, correlationId);
        Assert.Equal((short)ErrorCode.UnsupportedVersion, response.ErrorCode);
        var own = Assert.Single(response.ApiKeys, k => k.ApiKey == (short)ApiKey.ApiVersions);
        Assert.Equal(0, own.MinVersion);
        Assert.True(own.MaxVersion >= 4);
    }

    [Theory]
    [InlineData("", "1.0")]
    [InlineData("librdkafka", "")]
    [InlineData("-starts-with-dash", "1.0")]
    [InlineData("has space", "1.0")]
    [InlineData("name", "1.0-")]
    public async Task ApiVersionsV3_WithInvalidClientSoftware_GetsInvalidRequest(string name, string version)
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await broker.ConnectAsync();

        var response = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(
            client, new ApiVersionsRequest { ClientSoftwareName = name, ClientSoftwareVersion = version }, 3);

        Assert.NotNull(response);
        Assert.Equal((short)ErrorCode.InvalidRequest, response.ErrorCode);
    }

    [Fact]
    public async Task ApiVersionsV2_IgnoresClientSoftware()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await broker.ConnectAsync();

        var response = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(client, new ApiVersionsRequest(), 2);

        Assert.NotNull(response);
        Assert.Equal((short)ErrorCode.None, response.ErrorCode);
    }

    [Fact]
    public async Task ApiVersionsV5_NamingAnotherNode_GetsRebootstrapRequired()
    {
        await using var broker = await TestBroker.StartAsync();
        using var client = await broker.ConnectAsync();

        var response = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(
            client, new ApiVersionsRequest { ClientSoftwareName = "x", ClientSoftwareVersion = "1", NodeId = 7 }, 5);

        Assert.NotNull(response);
        Assert.Equal((short)ErrorCode.RebootstrapRequired, response.ErrorCode);
    }

    [Fact]
    public async Task ApiVersions_ListsHandlerRegisteredByTest()
    {
        await using var broker = await TestBroker.StartAsync(configureServices: s => s.AddSingleton<IApiHandler, DelayedHeartbeatHandler>());
        using var client = await broker.ConnectAsync();

        var response = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(client, new ApiVersionsRequest(), 0);

        Assert.NotNull(response);
        var heartbeat = Assert.Single(response.ApiKeys, k => k.ApiKey == (short)ApiKey.Heartbeat);
        Assert.Equal(4, heartbeat.MaxVersion);
    }
}
