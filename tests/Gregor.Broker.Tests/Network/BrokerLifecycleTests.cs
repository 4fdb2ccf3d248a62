using System.Diagnostics.Metrics;
using Gregor.Broker.Network;
using Gregor.Broker.Tests.Support;
using Gregor.Protocol.Messages;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gregor.Broker.Tests.Network;

/// <summary>Start/stop order, the data-dir lock and metrics of an in-process broker.</summary>
public sealed class BrokerLifecycleTests
{
    [Fact]
    public async Task HostedComponents_StartBeforeTheListenerBinds_AndAreDisposedOnDispose()
    {
        var broker = await TestBroker.StartAsync(configureServices: services =>
        {
            services.AddSingleton<StartupProbe>(); // created, hence disposed, by the container
            services.AddHostedService<StartupProbeService>();
        });
        var probe = broker.Services.GetRequiredService<StartupProbe>();
        await using (broker)
        {
            Assert.True(probe.Started);
            Assert.Equal(0, probe.AddressesWhenStarted);
        }
        Assert.True(probe.Disposed);
    }

    [Fact]
    public async Task SecondBrokerOnSameDataDir_FailsWithDataDirUnusable()
    {
        await using var first = await TestBroker.StartAsync();

        var error = await Assert.ThrowsAsync<BrokerStartException>(() => TestBroker.StartAsync(dataDir: first.DataDir));

        Assert.Equal(BrokerStartFailure.DataDirUnusable, error.Failure);
        Assert.Contains("locked by another gregor process", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_OnSameDataDirAndPort_Works()
    {
        await using var broker = await TestBroker.StartAsync();
        var port = broker.Port;

        await broker.RestartAsync();

        Assert.Equal(port, broker.Port);
        using var client = await broker.ConnectAsync();
        var response = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(client, new ApiVersionsRequest(), 0);
        Assert.NotNull(response);
    }

    [Fact]
    public async Task AdvertisedListener_DefaultsToTheBoundPort()
    {
        await using var broker = await TestBroker.StartAsync();

        var advertised = Assert.Single(broker.Services.GetRequiredService<ListenerEndpoints>().Advertised);

        Assert.Equal(("127.0.0.1", broker.Port), (advertised.Host, advertised.Port));
    }

    [Fact]
    public async Task Metrics_CountConnectionsBytesAndRequestsByApi()
    {
        await using var broker = await TestBroker.StartAsync();
        var measurements = new List<(string Name, long Value, object? Api)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == NetworkMetrics.MeterName && instrument.Meter.Scope == broker.Services.GetRequiredService<IMeterFactory>())
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            object? api = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "api")
                {
                    api = tag.Value;
                }
            }
            lock (measurements)
            {
                measurements.Add((instrument.Name, value, api));
            }
        });
        listener.Start();

        using (var client = await broker.ConnectAsync())
        {
            await KafkaWire.RoundTripAsync<ApiVersionsResponse>(client, new ApiVersionsRequest(), 0);
        }

        long Sum(string name, string? api = null)
        {
            lock (measurements)
            {
                return measurements.Where(m => m.Name == name && (api is null || Equals(m.Api, api))).Sum(m => m.Value);
            }
        }
        await Eventually.TrueAsync(() => Sum("gregor.network.connections.closed") == 1, "the closed connection is counted");
        Assert.Equal(1, Sum("gregor.network.connections.accepted"));
        Assert.Equal(0, Sum("gregor.network.connections.active"));
        Assert.Equal(1, Sum("gregor.network.requests", "ApiVersions"));
        Assert.True(Sum("gregor.network.bytes.received") > 8);
        Assert.True(Sum("gregor.network.bytes.sent") > 8);
    }

    internal sealed class StartupProbe : IDisposable
    {
        public bool Started { get; set; }

        public int AddressesWhenStarted { get; set; } = -1;

        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    internal sealed class StartupProbeService(StartupProbe probe, IServer server) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            probe.Started = true;
            probe.AddressesWhenStarted = server.Features.Get<IServerAddressesFeature>()?.Addresses.Count ?? 0;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
