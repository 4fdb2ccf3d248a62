using Gregor.Broker.Config;
using Gregor.Broker.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker;

/// <summary>
/// Plugs a broker into an ASP.NET Core application that the host owns: the broker's components
/// (<see cref="BrokerServices.AddGregorBroker"/>) and one Kestrel endpoint per Kafka listener,
/// so the host can add its own HTTP endpoints (health, metrics, admin API) to the same server.
/// Then <c>new GregorBroker(app)</c> and <see cref="GregorBroker.StartAsync(CancellationToken)"/>
/// run the node's lifecycle on the built application.
/// </summary>
public static class GregorBrokerHosting
{
    public static WebApplicationBuilder AddGregorBroker(this WebApplicationBuilder builder, BrokerConfig config, GregorBrokerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(config);
        options ??= new GregorBrokerOptions();
        builder.Services.AddGregorBroker(config);
        // Signals belong to the host process, never to the broker: an in-process broker must not react to Ctrl-C.
        builder.Services.AddSingleton<IHostLifetime, PassiveHostLifetime>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.UseKestrelCore();
        // After UseKestrelCore, which registers Kestrel's 4 KiB-block pool factory.
        builder.Services.RemoveAll<IMemoryPoolFactory<byte>>();
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPool.Factory>();
        var bindings = new KafkaListenerBindings(config.Listeners.Count);
        builder.Services.AddSingleton(bindings);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            for (var i = 0; i < config.Listeners.Count; i++)
            {
                var index = i;
                kestrel.Listen(config.Listeners[i].ToBindEndPoint(), listen =>
                {
                    bindings.Track(index, listen);
                    listen.UseKafka(config.Listeners[index].Name);
                });
            }
        });
        options.ConfigureServices?.Invoke(builder.Services);
        return builder;
    }

    /// <summary>The broker's logging defaults: no provider (the caller adds one), Information, framework noise at Warning.</summary>
    public static ILoggingBuilder AddBrokerLogDefaults(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        // A failed bind is reported by BrokerStartException; the host's own stack trace is noise.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        return logging;
    }

    /// <summary>A host lifetime that waits for nothing and listens to no signal.</summary>
    private sealed class PassiveHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
