using System.Net;
using Gregor.Broker.Config;
using Gregor.Broker.Lifecycle;
using Gregor.Broker.Network;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker;

/// <summary>
/// One broker node on an ASP.NET Core application prepared by
/// <see cref="GregorBrokerHosting.AddGregorBroker"/>: the <c>gregor</c> host builds and owns that
/// application (and adds its HTTP endpoints to it); in-process tests let
/// <see cref="StartAsync(BrokerConfig, GregorBrokerOptions?, CancellationToken)"/> build one.
/// <para>
/// Lifecycle: the constructor does nothing but wire; <see cref="StartAsync(CancellationToken)"/>
/// runs the node's <see cref="Lifecycle"/> (the steps of <see cref="BrokerSteps"/>: lock the data
/// dir, replay metadata, open logs, bind listeners paused, register with the bound ports, load
/// coordinators, start accepting) and returns once clients are served; a failed step undoes the
/// earlier ones and throws <see cref="BrokerStartException"/>. <see cref="StopAsync"/> undoes
/// them in reverse. <see cref="DisposeAsync"/> stops, then disposes the application when this
/// class built it. Signals are the host's business: no signal handler is installed.
/// Thread-safety: start once; stop may be called at any time and is idempotent; the properties
/// are safe to read once started.
/// </para>
/// </summary>
public sealed class GregorBroker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsApp;
    private readonly ILogger _logger;
    private int _stopped;
    private int _disposed;

    /// <summary>A node on <paramref name="app"/>, which the caller owns (disposes after stopping the node).</summary>
    public GregorBroker(WebApplication app)
        : this(app, ownsApp: false)
    {
    }

    private GregorBroker(WebApplication app, bool ownsApp)
    {
        ArgumentNullException.ThrowIfNull(app);
        _app = app;
        _ownsApp = ownsApp;
        Config = app.Services.GetService<BrokerConfig>()
            ?? throw new InvalidOperationException("the application has no broker: call builder.AddGregorBroker(config) before Build()");
        _logger = app.Services.GetRequiredService<ILogger<GregorBroker>>();
        Lifecycle = new NodeLifecycle(new BrokerSteps(app, Config, _logger).All, app.Services.GetRequiredService<ILogger<NodeLifecycle>>());
    }

    public BrokerConfig Config { get; }

    /// <summary>The node's start/stop steps and where it is (for health reporting).</summary>
    public NodeLifecycle Lifecycle { get; }

    /// <summary>The broker's container (components, for tests and the admin API).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The absolute path of the data directory.</summary>
    public string DataDir => Path.GetFullPath(Config.DataDir);

    /// <summary>The bound listener endpoints, in <c>listeners</c> order (port 0 resolved); empty before the listeners are bound.</summary>
    public IReadOnlyList<IPEndPoint> BoundEndPoints => Services.GetRequiredService<ListenerEndpoints>().Bound;

    /// <summary>The first listener's bound endpoint.</summary>
    public IPEndPoint EndPoint => BoundEndPoints[0];

    /// <summary>Triggered when the broker is stopping (for the host's wait loop).</summary>
    public CancellationToken Stopping => Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

    /// <summary>
    /// Builds an application for a broker alone (no other endpoint) and starts the node; throws
    /// <see cref="BrokerStartException"/> with a printable message when a port is taken, the data
    /// dir is unusable or another step fails, <see cref="BrokerConfigException"/> for a
    /// configuration that only fails once applied.
    /// </summary>
    public static async Task<GregorBroker> StartAsync(BrokerConfig config, GregorBrokerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        options ??= new GregorBrokerOptions();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "gregor" });
        builder.Logging.AddBrokerLogDefaults();
        options.ConfigureLogging?.Invoke(builder.Logging);
        builder.AddGregorBroker(config, options);
        var app = builder.Build();
        var broker = new GregorBroker(app, ownsApp: true);
        try
        {
            await broker.StartAsync(cancellationToken).ConfigureAwait(false);
            return broker;
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Runs the start steps; see the class summary.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        BrokerLog.Starting(_logger, Config.NodeId, DataDir);
        foreach (var key in Config.UnknownKeys)
        {
            BrokerLog.UnknownConfigKey(_logger, key);
        }
        return Lifecycle.StartAsync(cancellationToken);
    }

    /// <summary>Stops accepting, closes connections, unloads coordinators, closes logs and metadata, releases the data dir. Idempotent.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            BrokerLog.Stopping(_logger);
            await Lifecycle.StopAsync(cancellationToken).ConfigureAwait(false);
            BrokerLog.Stopped(_logger);
        }
        else
        {
            await Lifecycle.StopAsync(cancellationToken).ConfigureAwait(false);
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
            if (_ownsApp)
            {
                await _app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
