using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Gregor.Broker.Config;
using Gregor.Broker.Coordinator;
using Gregor.Broker.Groups;
using Gregor.Broker.Lifecycle;
using Gregor.Broker.Network;
using Gregor.Broker.Tests.Support;
using Gregor.Protocol.Messages;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Tests.Lifecycle;

/// <summary>A real broker's start and stop steps: their order, a failure in the middle, and that no client is served early.</summary>
public sealed partial class BrokerStartStopTests
{
    private static readonly string[] StartOrder =
    [
        BrokerSteps.LockDataDir,
        BrokerSteps.ReplayMetadata,
        BrokerSteps.OpenLogs,
        BrokerSteps.BindListeners,
        BrokerSteps.RegisterBroker,
        BrokerSteps.LoadCoordinators,
        BrokerSteps.StartAccepting,
    ];

    [Fact]
    public async Task Broker_StartsInTheDocumentedOrder_AndStopsInReverse()
    {
        var broker = await TestBroker.StartAsync();
        var logs = broker.Logs;
        Assert.Equal(StartOrder, broker.Broker.Lifecycle.StepNames);
        Assert.Equal(LifecycleState.Running, broker.Broker.Lifecycle.State);

        await broker.DisposeAsync();

        Assert.Equal(StartOrder, StepsLogged(logs, "done in"));
        // "register broker" has nothing to undo.
        Assert.Equal(StartOrder.Reverse().Where(s => s != BrokerSteps.RegisterBroker), StepsLogged(logs, "undone in"));
        Assert.Equal(LifecycleState.Stopped, broker.Broker.Lifecycle.State);
    }

    [Fact]
    public async Task FailedStep_UndoesTheEarlierSteps_ReleasingTheDataDirAndThePort()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "gregor-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var logs = new TestLogSink();
            var error = await Assert.ThrowsAsync<BrokerStartException>(() => GregorBroker.StartAsync(
                Config(dataDir),
                Options(logs, services => services.Replace(ServiceDescriptor.Singleton<ICoordinatorLog<GroupLogRecord>>(new FailingGroupLogStore()))),
                TestContext.Current.CancellationToken));

            Assert.Equal(BrokerStartFailure.StepFailed, error.Failure);
            Assert.StartsWith($"{BrokerSteps.LoadCoordinators} failed: ", error.Message, StringComparison.Ordinal);
            Assert.Equal(StartOrder[..5], StepsLogged(logs, "done in"));
            Assert.Equal([BrokerSteps.BindListeners, BrokerSteps.OpenLogs, BrokerSteps.ReplayMetadata, BrokerSteps.LockDataDir], StepsLogged(logs, "undone in"));
            // The listener was bound and is free again; the data dir is unlocked (both locks: a broker starts on it).
            var port = int.Parse(ListeningPort().Match(string.Join('\n', logs.Lines)).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            using (var probe = new TcpListener(IPAddress.Loopback, port))
            {
                probe.Start();
            }
            await using var next = await TestBroker.StartAsync(dataDir: dataDir);
            Assert.Equal(LifecycleState.Running, next.Broker.Lifecycle.State);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task MetadataOfAnotherNode_FailsTheReplayStep_AndReleasesTheLock()
    {
        await using (var first = await TestBroker.StartAsync())
        {
            var dataDir = first.DataDir;
            await first.Broker.StopAsync(TestContext.Current.CancellationToken);

            var error = await Assert.ThrowsAsync<BrokerStartException>(() => GregorBroker.StartAsync(
                BrokerConfig.Parse(new Dictionary<string, string> { ["listeners"] = "127.0.0.1:0", ["log.dirs"] = dataDir, ["node.id"] = "2" }),
                cancellationToken: TestContext.Current.CancellationToken));

            Assert.Equal(BrokerStartFailure.DataDirUnusable, error.Failure);
            Assert.Contains("belongs to node.id=1", error.Message, StringComparison.Ordinal);
            DataDirectoryLock.Acquire(dataDir).Dispose();
        }
    }

    [Fact]
    public async Task NoRequestIsServed_BeforeTheCoordinatorsAreLoaded()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "gregor-test-" + Guid.NewGuid().ToString("N"));
        var store = new BlockingGroupLogStore();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.AddBrokerLogDefaults();
        builder.AddGregorBroker(Config(dataDir), new GregorBrokerOptions
        {
            ConfigureServices = services => services.Replace(ServiceDescriptor.Singleton<ICoordinatorLog<GroupLogRecord>>(store)),
        });
        var app = builder.Build();
        try
        {
            var broker = new GregorBroker(app);
            var start = broker.StartAsync(TestContext.Current.CancellationToken);
            await Eventually.TrueAsync(() => broker.Lifecycle.CurrentStep == BrokerSteps.LoadCoordinators && store.Loading, "coordinators loading");

            // The listener is bound and registered with its real port, but the connection is held.
            using var client = await RawKafkaConnection.ConnectAsync(broker.EndPoint);
            await client.SendFrameAsync(KafkaWire.Request(new ApiVersionsRequest(), 0, correlationId: 7));
            var response = client.ReceiveFrameAsync();
            Assert.NotSame(response, await Task.WhenAny(response, Task.Delay(50, TestContext.Current.CancellationToken)));
            Assert.Equal(0, app.Services.GetRequiredService<ConnectionRegistry>().Count);
            Assert.Equal(broker.EndPoint.Port, app.Services.GetRequiredService<Gregor.Cluster.Controller.QuorumController>().Current.Brokers[1].Port);

            store.Release();
            await start;

            var payload = await response;
            Assert.NotNull(payload);
            KafkaWire.Response<ApiVersionsResponse>(payload, 0, out var correlationId);
            Assert.Equal(7, correlationId);
            await broker.StopAsync(TestContext.Current.CancellationToken);
        }
        finally
        {
            await app.DisposeAsync();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static BrokerConfig Config(string dataDir) =>
        BrokerConfig.Parse(new Dictionary<string, string> { ["listeners"] = "127.0.0.1:0", ["log.dirs"] = dataDir });

    private static GregorBrokerOptions Options(TestLogSink logs, Action<IServiceCollection>? services = null) => new()
    {
        ConfigureLogging = logging =>
        {
            logging.SetMinimumLevel(LogLevel.Debug);
            logging.AddProvider(logs);
        },
        ConfigureServices = services,
        ShutdownTimeout = TimeSpan.FromSeconds(5),
    };

    /// <summary>The step names of the lifecycle's log lines containing <paramref name="verb"/>, in log order.</summary>
    private static string[] StepsLogged(TestLogSink logs, string verb) =>
        [.. logs.Lines.Select(l => StepLine().Match(l)).Where(m => m.Success && m.Groups[2].Value == verb).Select(m => m.Groups[1].Value)];

    [GeneratedRegex(@"step (.+?) (done in|undone in) ")]
    private static partial Regex StepLine();

    [GeneratedRegex(@"listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningPort();

    private sealed class FailingGroupLogStore : ICoordinatorLog<GroupLogRecord>
    {
        public ValueTask AppendAsync(int partition, IReadOnlyList<GroupLogRecord> records, CancellationToken cancellationToken) =>
            throw new IOException("offsets log unreadable");

        public IAsyncEnumerable<GroupLogRecord> ReadAllAsync(int partition, CancellationToken cancellationToken) =>
            throw new IOException("offsets log unreadable");
    }

    /// <summary>A store whose load waits until the test releases it.</summary>
    private sealed class BlockingGroupLogStore : ICoordinatorLog<GroupLogRecord>
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private volatile bool _loading;

        public bool Loading => _loading;

        public void Release() => _released.TrySetResult();

        public ValueTask AppendAsync(int partition, IReadOnlyList<GroupLogRecord> records, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public async IAsyncEnumerable<GroupLogRecord> ReadAllAsync(int partition, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            _loading = true;
            await _released.Task.WaitAsync(cancellationToken);
            yield break;
        }
    }
}
