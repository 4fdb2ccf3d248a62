using System.Net;
using Gregor.Broker.Config;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Tests.Support;

/// <summary>
/// An in-process broker for tests: listens on 127.0.0.1 with a free port, keeps its data in a
/// fresh temporary directory (deleted on dispose unless a directory was passed in), and
/// captures its log lines. Other test projects reuse it:
/// <code>
/// await using var broker = await TestBroker.StartAsync(new() { ["num.partitions"] = "3" });
/// using var client = await broker.ConnectAsync();
/// </code>
/// Not thread-safe to start/stop concurrently; the broker itself is.
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    private readonly TempDirectory? _ownedDataDir;
    private readonly Action<IServiceCollection>? _configureServices;
    private readonly IReadOnlyDictionary<string, string> _values;

    private TestBroker(GregorBroker broker, TestLogSink logs, IReadOnlyDictionary<string, string> values, Action<IServiceCollection>? configureServices, TempDirectory? ownedDataDir)
    {
        Broker = broker;
        Logs = logs;
        _values = values;
        _configureServices = configureServices;
        _ownedDataDir = ownedDataDir;
    }

    public GregorBroker Broker { get; private set; }

    public TestLogSink Logs { get; private set; }

    public BrokerConfig Config => Broker.Config;

    public IServiceProvider Services => Broker.Services;

    public string DataDir => Broker.DataDir;

    public IPEndPoint EndPoint => Broker.EndPoint;

    public int Port => Broker.EndPoint.Port;

    /// <summary>"127.0.0.1:PORT", for client configs.</summary>
    public string BootstrapServers => $"127.0.0.1:{Port}";

    /// <summary>
    /// Starts a broker. <paramref name="overrides"/> are config keys (they win over the test
    /// defaults: listeners=127.0.0.1:0, a temp log.dirs); <paramref name="configureServices"/>
    /// adds or replaces services (test handlers); <paramref name="dataDir"/> reuses a directory.
    /// </summary>
    public static async Task<TestBroker> StartAsync(
        IReadOnlyDictionary<string, string>? overrides = null,
        Action<IServiceCollection>? configureServices = null,
        string? dataDir = null)
    {
        var ownedDataDir = dataDir is null ? new TempDirectory() : null;
        dataDir ??= ownedDataDir!.Path;
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["listeners"] = "127.0.0.1:0",
            ["log.dirs"] = dataDir,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            values[key] = value;
        }
        try
        {
            var (broker, logs) = await StartBrokerAsync(values, configureServices).ConfigureAwait(false);
            return new TestBroker(broker, logs, values, configureServices, ownedDataDir);
        }
        catch
        {
            ownedDataDir?.Dispose();
            throw;
        }
    }

    /// <summary>Opens a raw protocol connection to the first listener.</summary>
    public Task<RawKafkaConnection> ConnectAsync() => RawKafkaConnection.ConnectAsync(EndPoint);

    /// <summary>Stops and starts the broker again on the same data dir and port (recovery tests).</summary>
    public async Task RestartAsync()
    {
        var port = Port;
        await Broker.DisposeAsync().ConfigureAwait(false);
        var values = new Dictionary<string, string>(_values, StringComparer.Ordinal) { ["listeners"] = $"127.0.0.1:{port}" };
        (Broker, Logs) = await StartBrokerAsync(values, _configureServices).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync().ConfigureAwait(false);
        _ownedDataDir?.Dispose();
    }

    private static async Task<(GregorBroker, TestLogSink)> StartBrokerAsync(IReadOnlyDictionary<string, string> values, Action<IServiceCollection>? configureServices)
    {
        var logs = new TestLogSink();
        var broker = await GregorBroker.StartAsync(
            BrokerConfig.Parse(values),
            new GregorBrokerOptions
            {
                ConfigureLogging = logging =>
                {
                    logging.SetMinimumLevel(LogLevel.Debug);
                    logging.AddProvider(logs);
                },
                ConfigureServices = configureServices,
                ShutdownTimeout = TimeSpan.FromSeconds(5),
            }).ConfigureAwait(false);
        return (broker, logs);
    }
}
