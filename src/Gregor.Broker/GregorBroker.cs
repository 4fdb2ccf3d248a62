using System.Net;
using System.Net.Sockets;
using Gregor.Broker.Config;
using Gregor.Broker.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker;

/// <summary>
/// One running broker: the data-dir lock, the DI container built by
/// <see cref="BrokerServices.AddGregorBroker"/>, and a Kestrel server with one Kafka listener
/// per entry of <c>listeners</c> (the same server can later host the admin HTTP API). Used
/// by the <c>gregor</c> host and by in-process tests alike.
/// <para>
/// Lifecycle: <see cref="StartAsync"/> locks the data dir, starts the hosted components, then
/// binds (so no client connects before recovery is done) and returns once listening.
/// <see cref="StopAsync"/> closes the listeners and connections, stops the components, and
/// <see cref="DisposeAsync"/> disposes the container (flushing and closing logs) and releases
/// the lock. Signals are the host's business: this class installs no signal handlers.
/// Thread-safety: start and stop are not to be called concurrently; the properties are safe
/// to read once started.
/// </para>
/// </summary>
public sealed class GregorBroker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly DataDirectoryLock _dataDirLock;
    private int _stopped;
    private int _disposed;

    private GregorBroker(WebApplication app, DataDirectoryLock dataDirLock, BrokerConfig config)
    {
        _app = app;
        _dataDirLock = dataDirLock;
        Config = config;
    }

    public BrokerConfig Config { get; }

    /// <summary>The broker's container (components, for tests and the admin API).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The absolute path of the locked data directory.</summary>
    public string DataDir => _dataDirLock.Directory;

    /// <summary>The bound listener endpoints, in <c>listeners</c> order (port 0 resolved).</summary>
    public IReadOnlyList<IPEndPoint> BoundEndPoints => Services.GetRequiredService<ListenerEndpoints>().Bound;

    /// <summary>The first listener's bound endpoint.</summary>
    public IPEndPoint EndPoint => BoundEndPoints[0];

    /// <summary>Triggered when the broker is stopping (for the host's wait loop).</summary>
    public CancellationToken Stopping => Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

    /// <summary>
    /// Starts a broker; throws <see cref="BrokerStartException"/> with a printable message when
    /// a port is taken or the data dir is unusable, <see cref="BrokerConfigException"/> for a
    /// configuration that only fails once applied.
    /// </summary>
    public static async Task<GregorBroker> StartAsync(BrokerConfig config, GregorBrokerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new GregorBrokerOptions();
        var endPoints = config.Listeners.Select(l => l.ToBindEndPoint()).ToArray();
        var dataDirLock = DataDirectoryLock.Acquire(config.DataDir);
        WebApplication? app = null;
        try
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "gregor" });
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
            // A failed bind is reported by BrokerStartException; the host's own stack trace is noise.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
            options.ConfigureLogging?.Invoke(builder.Logging);
            builder.Services.AddGregorBroker(config);
            // Signals belong to the host; an in-process test broker must not react to Ctrl-C.
            builder.Services.AddSingleton<IHostLifetime, PassiveHostLifetime>();
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
            options.ConfigureServices?.Invoke(builder.Services);
            var listenOptions = new ListenOptions[endPoints.Length];
            builder.WebHost.UseKestrelCore();
            // After UseKestrelCore, which registers Kestrel's 4 KiB-block pool factory.
            builder.Services.RemoveAll<IMemoryPoolFactory<byte>>();
            builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockMemoryPool.Factory>();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                for (var i = 0; i < endPoints.Length; i++)
                {
                    var index = i;
                    kestrel.Listen(endPoints[i], listen =>
                    {
                        listenOptions[index] = listen;
                        var handler = ActivatorUtilities.CreateInstance<KafkaConnectionHandler>(listen.ApplicationServices, config.Listeners[index].Name);
                        listen.Run(handler.OnConnectedAsync);
                    });
                }
            });
            app = builder.Build();
            var logger = app.Services.GetRequiredService<ILogger<GregorBroker>>();
            BrokerLog.Starting(logger, config.NodeId, dataDirLock.Directory);
            foreach (var key in config.UnknownKeys)
            {
                BrokerLog.UnknownConfigKey(logger, key);
            }
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (FindBindFailure(e) is { } failure)
            {
                var port = endPoints.Length == 1 ? endPoints[0].Port : 0;
                var message = failure is SocketError.AddressAlreadyInUse
                    ? $"port {port} is already in use; choose another with --listen"
                    : $"cannot listen on {string.Join(", ", config.Listeners)}: {e.Message}";
                throw new BrokerStartException(message, BrokerStartFailure.ListenFailed, e);
            }
            var bound = listenOptions.Select(l => l.IPEndPoint!).ToArray();
            app.Services.GetRequiredService<ListenerEndpoints>().SetBound(bound);
            BrokerLog.Listening(logger, string.Join(", ", bound.Select(b => b.ToString())));
            return new GregorBroker(app, dataDirLock, config);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
            dataDirLock.Dispose();
            throw;
        }
    }

    /// <summary>Stops listening, closes connections, stops the components. Idempotent.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            var logger = Services.GetRequiredService<ILogger<GregorBroker>>();
            BrokerLog.Stopping(logger);
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
            BrokerLog.Stopped(logger);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        try
        {
            await StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            _dataDirLock.Dispose();
        }
    }

    private static SocketError? FindBindFailure(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case AddressInUseException:
                    return SocketError.AddressAlreadyInUse;
                case SocketException socket:
                    return socket.SocketErrorCode;
            }
        }
        return null;
    }

    /// <summary>A host lifetime that waits for nothing and listens to no signal.</summary>
    private sealed class PassiveHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
