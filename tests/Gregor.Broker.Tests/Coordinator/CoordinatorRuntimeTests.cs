using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Gregor.Broker.Coordinator;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Time.Testing;

namespace Gregor.Broker.Tests.Coordinator;

public sealed class CoordinatorRuntimeTests : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly ControllableCoordinatorLog<KeyValueRecord> _log = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<KeyValueShard> _shards = [];
    private readonly CoordinatorRuntime<KeyValueShard, KeyValueRecord> _runtime;

    public CoordinatorRuntimeTests() : this(new CoordinatorRuntimeOptions { Name = "test" })
    {
    }

    private CoordinatorRuntimeTests(CoordinatorRuntimeOptions options)
    {
        _runtime = new CoordinatorRuntime<KeyValueShard, KeyValueRecord>(options, _log, context =>
        {
            var shard = new KeyValueShard(context);
            lock (_shards)
            {
                _shards.Add(shard);
            }
            return shard;
        }, _time);
    }

    private static CoordinatorResult<ValueTuple, KeyValueRecord> Emit(string key, long value) => new([new KeyValueRecord(key, value)], default);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Task<string> Set(int partition, string key, long value, string label) =>
        _runtime.ScheduleWriteOperation("set", partition, s => s.Set(key, value, label), e => $"error:{e}");

    private Task<long?> Get(int partition, string key) =>
        _runtime.ScheduleReadOperation("get", partition, s => s.Get(key), _ => (long?)-1);

    private Task<ErrorCode> ReadError(int partition) =>
        _runtime.ScheduleReadOperation("probe", partition, _ => ErrorCode.None, e => e);

    [Fact]
    public async Task Load_ReplaysThePartitionIntoAFreshShard_ThenServes()
    {
        _log.Seed(3, new KeyValueRecord("a", 1), new KeyValueRecord("b", 2), new KeyValueRecord("a", 3), new KeyValueRecord("b", null));
        var summary = await _runtime.LoadAsync(3, 0, Ct).WaitAsync(Wait, Ct);
        Assert.Equal(4, summary.Records);
        Assert.Equal(CoordinatorShardState.Active, _runtime.StateOf(3));
        Assert.True(Assert.Single(_shards).Loaded);
        Assert.Equal(3, await Get(3, "a").WaitAsync(Wait, Ct));
        Assert.Null(await Get(3, "b").WaitAsync(Wait, Ct));
        Assert.Equal("w1", await Set(3, "c", 7, "w1").WaitAsync(Wait, Ct));
        Assert.Equal(new KeyValueRecord("c", 7), _log.Snapshot(3)[^1]);
    }

    [Fact]
    public async Task Requests_ToAPartitionNotCoordinatedHere_GetNotCoordinator()
    {
        Assert.Equal(ErrorCode.NotCoordinator, await ReadError(0).WaitAsync(Wait, Ct));
        Assert.Equal("error:NotCoordinator", await Set(0, "a", 1, "w").WaitAsync(Wait, Ct));
        Assert.Empty(_log.Snapshot(0));
    }

    [Fact]
    public async Task Requests_WhileThePartitionLoads_GetLoadInProgress_AndAreServedOnceLoaded()
    {
        _log.Seed(1, new KeyValueRecord("a", 1));
        _log.ReadGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var load = _runtime.LoadAsync(1, 0, Ct);
        Assert.Equal(CoordinatorShardState.Loading, _runtime.StateOf(1));
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, await ReadError(1).WaitAsync(Wait, Ct));
        Assert.Equal("error:CoordinatorLoadInProgress", await Set(1, "a", 2, "early").WaitAsync(Wait, Ct));
        _log.ReadGate.SetResult();
        await load.WaitAsync(Wait, Ct);
        Assert.Equal(1, await Get(1, "a").WaitAsync(Wait, Ct));
        Assert.DoesNotContain("early", Assert.Single(_shards).Journal);
    }

    [Fact]
    public async Task Unload_AnswersNotCoordinator_CancelsTimersAndTellsTheShard()
    {
        await _runtime.LoadAsync(2, 0, Ct).WaitAsync(Wait, Ct);
        var shard = Assert.Single(_shards);
        await _runtime.ScheduleWriteOperation("arm", 2, s =>
        {
            s.Timer.Schedule("later", 1_000, () => Emit("fired", 1));
            return new CoordinatorResult<int, KeyValueRecord>([], 0);
        }, _ => -1).WaitAsync(Wait, Ct);
        Assert.Equal(1, _runtime.TimerCount(2));

        await _runtime.UnloadAsync(2, 0).WaitAsync(Wait, Ct);
        Assert.True(shard.Unloaded);
        Assert.Null(_runtime.StateOf(2));
        Assert.Equal(ErrorCode.NotCoordinator, await ReadError(2).WaitAsync(Wait, Ct));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, shard.Timer.Count);
        Assert.DoesNotContain(_log.Snapshot(2), r => r.Key == "fired");
    }

    [Fact]
    public async Task Operations_RunOneAtATime_InTheOrderScheduled_AppendsIncluded()
    {
        await _runtime.LoadAsync(0, 0, Ct).WaitAsync(Wait, Ct);
        var labels = Enumerable.Range(0, 200).Select(i => $"op{i}").ToList();
        // Scheduled from one thread in order; the appends hop threads, yet order holds.
        var writes = labels.Select((label, i) => Set(0, "k", i, label)).ToList();
        Assert.Equal(labels, await Task.WhenAll(writes).WaitAsync(Wait, Ct));
        var shard = Assert.Single(_shards);
        Assert.Equal(labels, shard.Journal);
        Assert.Equal(1, shard.MaxConcurrent);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (long?)i), _log.Snapshot(0).Select(r => r.Value));
        Assert.Equal(199, await Get(0, "k").WaitAsync(Wait, Ct));
    }

    [Fact]
    public async Task ConcurrentWriters_NeverOverlapOnAShard_AndEveryWriteIsAppended()
    {
        await _runtime.LoadAsync(0, 0, Ct).WaitAsync(Wait, Ct);
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                Assert.Equal($"w{w}-{i}", await Set(0, $"w{w}", i, $"w{w}-{i}"));
            }
        }, Ct));
        await Task.WhenAll(writers).WaitAsync(Wait, Ct);
        var shard = Assert.Single(_shards);
        Assert.Equal(1, shard.MaxConcurrent);
        Assert.Equal(shard.Journal, _log.Snapshot(0).Select(r => $"{r.Key}-{r.Value}"));
    }

    [Fact]
    public async Task FailedAppend_LeavesTheStateUnchanged_AndFailsTheResponse()
    {
        _log.Seed(0, new KeyValueRecord("a", 1));
        await _runtime.LoadAsync(0, 0, Ct).WaitAsync(Wait, Ct);
        _log.FailAppendsWith = new IOException("disk gone");
        Exception? seen = null;
        var appended = false;
        var response = await _runtime.ScheduleWriteOperation("set", 0, s => s.Set("a", 2, "w") with
        {
            OnAppendFailed = ex => seen = ex,
            OnAppended = () => appended = true,
        }, e => $"error:{e}").WaitAsync(Wait, Ct);
        Assert.Equal("error:CoordinatorNotAvailable", response);
        Assert.IsType<IOException>(seen);
        Assert.False(appended);
        Assert.Equal(1, await Get(0, "a").WaitAsync(Wait, Ct));
        Assert.Single(_log.Snapshot(0));

        _log.FailAppendsWith = null;
        Assert.Equal("w2", await Set(0, "a", 3, "w2").WaitAsync(Wait, Ct));
        Assert.Equal(3, await Get(0, "a").WaitAsync(Wait, Ct));
    }

    [Fact]
    public async Task ThrowingOperation_GetsUnknownServerError_AndTheLoopCarriesOn()
    {
        await _runtime.LoadAsync(0, 0, Ct).WaitAsync(Wait, Ct);
        var failed = await _runtime.ScheduleWriteOperation<string>("boom", 0, _ => throw new InvalidOperationException("bug"), e => $"error:{e}").WaitAsync(Wait, Ct);
        Assert.Equal("error:UnknownServerError", failed);
        Assert.Equal("ok", await Set(0, "a", 1, "ok").WaitAsync(Wait, Ct));
    }

    [Fact]
    public async Task Timers_FireAsWriteOperations_AreReplacedByKey_AndCanBeCancelled()
    {
        await _runtime.LoadAsync(0, 0, Ct).WaitAsync(Wait, Ct);
        await _runtime.ScheduleWriteOperation("arm", 0, s =>
        {
            s.Timer.Schedule("session", 1_000, () => Emit("session", 1));
            // Rescheduling a key replaces the earlier timer: one entry, the later deadline.
            s.Timer.Schedule("session", 2_000, () => Emit("session", 2));
            s.Timer.Schedule("cancelled", 1_000, () => Emit("cancelled", 1));
            s.Timer.Cancel("cancelled");
            return new CoordinatorResult<int, KeyValueRecord>([], 0);
        }, _ => -1).WaitAsync(Wait, Ct);
        Assert.Equal(1, _runtime.TimerCount(0));

        _time.Advance(TimeSpan.FromMilliseconds(1_500));
        // A read queued after the clock moved runs after anything the clock queued.
        Assert.Null(await Get(0, "session").WaitAsync(Wait, Ct));
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2, await Get(0, "session").WaitAsync(Wait, Ct));
        Assert.Equal([new KeyValueRecord("session", 2)], _log.Snapshot(0));
        Assert.Equal(0, _runtime.TimerCount(0));
    }

    [Fact]
    public async Task FullQueue_RefusesRequestsWithCoordinatorNotAvailable_UntilItDrains()
    {
        await using var runtime = new CoordinatorRuntime<KeyValueShard, KeyValueRecord>(
            new CoordinatorRuntimeOptions { Name = "bounded", MaxQueuedEventsPerPartition = 2 }, _log, c => new KeyValueShard(c), _time);
        await runtime.LoadAsync(0, 0, Ct).WaitAsync(Wait, Ct);
        Task<string> Write(string label) => runtime.ScheduleWriteOperation("set", 0, s => s.Set("k", 1, label), e => $"error:{e}");

        _log.AppendGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = Write("running");
        await _log.AppendStarted.Task.WaitAsync(Wait, Ct);
        var queued = new[] { Write("q1"), Write("q2") };
        Assert.Equal(2, runtime.QueuedEvents);
        Assert.Equal("error:CoordinatorNotAvailable", await Write("refused").WaitAsync(Wait, Ct));

        _log.AppendGate.SetResult();
        Assert.Equal("running", await running.WaitAsync(Wait, Ct));
        Assert.Equal(["q1", "q2"], await Task.WhenAll(queued).WaitAsync(Wait, Ct));
        Assert.Equal("again", await Write("again").WaitAsync(Wait, Ct));
    }

    [Fact]
    public async Task FailedLoad_LeavesThePartitionNotCoordinated_UntilLoadedAgain()
    {
        _log.FailReadsWith = new IOException("unreadable");
        await Assert.ThrowsAsync<IOException>(() => _runtime.LoadAsync(0, 0, Ct).WaitAsync(Wait, Ct));
        Assert.Equal(CoordinatorShardState.Failed, _runtime.StateOf(0));
        Assert.Equal(ErrorCode.NotCoordinator, await ReadError(0).WaitAsync(Wait, Ct));

        _log.FailReadsWith = null;
        await _runtime.LoadAsync(0, 0, Ct).WaitAsync(Wait, Ct);
        Assert.Equal(ErrorCode.None, await ReadError(0).WaitAsync(Wait, Ct));
    }

    [Fact]
    public async Task Metrics_RecordLoadTime_EventTimes_QueueSize_AndRejections()
    {
        var name = $"metrics-{Guid.NewGuid():N}";
        var measurements = new ConcurrentDictionary<string, int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Gregor.Coordinator")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "coordinator" && (string?)tag.Value == name)
                {
                    measurements.AddOrUpdate(instrument.Name, 1, (_, n) => n + 1);
                }
            }
        }
        listener.SetMeasurementEventCallback<double>(Record);
        listener.SetMeasurementEventCallback<long>(Record);
        listener.SetMeasurementEventCallback<int>(Record);
        listener.Start();

        await using var runtime = new CoordinatorRuntime<KeyValueShard, KeyValueRecord>(
            new CoordinatorRuntimeOptions { Name = name, MaxQueuedEventsPerPartition = 1 }, _log, c => new KeyValueShard(c), _time);
        await runtime.LoadAsync(0, 0, Ct).WaitAsync(Wait, Ct);
        _log.AppendGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = runtime.ScheduleWriteOperation("set", 0, s => s.Set("k", 1, "a"), e => $"error:{e}");
        await _log.AppendStarted.Task.WaitAsync(Wait, Ct);
        var queued = runtime.ScheduleWriteOperation("set", 0, s => s.Set("k", 2, "b"), e => $"error:{e}");
        Assert.Equal("error:CoordinatorNotAvailable", await runtime.ScheduleWriteOperation("set", 0, s => s.Set("k", 3, "c"), e => $"error:{e}").WaitAsync(Wait, Ct));
        listener.RecordObservableInstruments();
        _log.AppendGate.SetResult();
        Assert.Equal(["a", "b"], await Task.WhenAll(running, queued).WaitAsync(Wait, Ct));

        Assert.Equal(1, measurements.GetValueOrDefault("gregor.coordinator.partition.load.duration"));
        Assert.Equal(1, measurements.GetValueOrDefault("gregor.coordinator.events.rejected"));
        // The load event and the two writes each ran and waited once.
        Assert.True(measurements.GetValueOrDefault("gregor.coordinator.event.processing.duration") >= 2);
        Assert.True(measurements.GetValueOrDefault("gregor.coordinator.event.queue.duration") >= 2);
        Assert.Equal(1, measurements.GetValueOrDefault("gregor.coordinator.event.queue.size"));
        Assert.Equal(1, measurements.GetValueOrDefault("gregor.coordinator.partitions"));
    }

    public ValueTask DisposeAsync() => _runtime.DisposeAsync();
}
