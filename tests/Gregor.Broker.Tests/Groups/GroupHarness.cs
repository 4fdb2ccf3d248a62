using Gregor.Broker.Coordinator;
using Gregor.Broker.Groups;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace Gregor.Broker.Tests.Groups;

/// <summary>A coordinator on a fake clock and an in-memory log, with helpers that speak for clients.</summary>
internal sealed class GroupHarness : IAsyncDisposable
{
    public const int SessionMs = 10_000;
    public const int RebalanceMs = 30_000;
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private GroupHarness(FakeTimeProvider time, InMemoryGroupLogStore store, GroupCoordinator coordinator)
    {
        Time = time;
        Store = store;
        Coordinator = coordinator;
    }

    public FakeTimeProvider Time { get; }
    public InMemoryGroupLogStore Store { get; }
    public GroupCoordinator Coordinator { get; }

    public static GroupCoordinatorOptions DefaultOptions => new()
    {
        InitialRebalanceDelayMs = 0,
        MinSessionTimeoutMs = 1000,
        OffsetsRetentionMs = 60_000,
        OffsetsRetentionCheckIntervalMs = 3_600_000,
    };

    public static async Task<GroupHarness> StartAsync(
        GroupCoordinatorOptions? options = null,
        InMemoryGroupLogStore? store = null,
        FakeTimeProvider? time = null,
        ICoordinatorLog<GroupLogRecord>? logStore = null)
    {
        time ??= new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        store ??= new InMemoryGroupLogStore();
        var coordinator = new GroupCoordinator(options ?? DefaultOptions, logStore ?? store, time);
        await coordinator.StartAsync(TestContext.Current.CancellationToken);
        return new GroupHarness(time, store, coordinator);
    }

    /// <summary>Kafka's consumer-protocol subscription v0: int16 version, topics, null user data.</summary>
    public static byte[] Subscription(params string[] topics)
    {
        using var writer = new ProtocolWriter();
        writer.WriteInt16(0);
        writer.WriteInt32(topics.Length);
        foreach (var topic in topics)
        {
            writer.WriteString(topic, compact: false);
        }
        writer.WriteInt32(-1);
        return writer.WrittenSpan.ToArray();
    }

    public static JoinGroupParameters JoinParams(
        string group,
        string memberId = "",
        string? instanceId = null,
        int sessionMs = SessionMs,
        int rebalanceMs = RebalanceMs,
        string protocolType = "consumer",
        GroupProtocol[]? protocols = null,
        bool requireKnownMemberId = true,
        bool supportsSkipAssignment = true) =>
        new(group, memberId, instanceId, protocolType, protocols ?? [new GroupProtocol("range", Subscription("t"))],
            sessionMs, rebalanceMs, "client", "/127.0.0.1", requireKnownMemberId, supportsSkipAssignment);

    /// <summary>KIP-394 dance for a dynamic member: the first join gets an id, the second joins with it.</summary>
    public async Task<(string MemberId, Task<JoinGroupResult> Join)> JoinNewAsync(string group, GroupProtocol[]? protocols = null, int sessionMs = SessionMs, int rebalanceMs = RebalanceMs)
    {
        var first = await Coordinator.JoinGroupAsync(JoinParams(group, protocols: protocols, sessionMs: sessionMs, rebalanceMs: rebalanceMs), TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.MemberIdRequired, first.Error);
        var join = Coordinator.JoinGroupAsync(JoinParams(group, first.MemberId, protocols: protocols, sessionMs: sessionMs, rebalanceMs: rebalanceMs), TestContext.Current.CancellationToken);
        return (first.MemberId, join);
    }

    public Task<JoinGroupResult> RejoinAsync(string group, string memberId, string? instanceId = null) =>
        Coordinator.JoinGroupAsync(JoinParams(group, memberId, instanceId), TestContext.Current.CancellationToken);

    public Task<SyncGroupResult> SyncAsync(string group, JoinGroupResult joined, IReadOnlyDictionary<string, byte[]>? assignments = null, string? instanceId = null) =>
        Coordinator.SyncGroupAsync(
            new SyncGroupParameters(group, joined.GenerationId, joined.MemberId, instanceId, "consumer", joined.ProtocolName, assignments ?? new Dictionary<string, byte[]>()),
            TestContext.Current.CancellationToken);

    /// <summary>One member joins an empty group and syncs with an assignment to itself; returns its join result.</summary>
    public async Task<JoinGroupResult> FormSingleMemberGroupAsync(string group, byte[]? assignment = null)
    {
        var (_, joinTask) = await JoinNewAsync(group);
        var joined = await joinTask.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, joined.Error);
        var synced = await SyncAsync(group, joined, new Dictionary<string, byte[]> { [joined.MemberId] = assignment ?? [1, 2, 3] }).WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, synced.Error);
        return joined;
    }

    /// <summary>
    /// Moves the fake clock once the requests already sent have been processed, so they happen
    /// at the time the test sent them (the coordinator reads the clock when an operation runs).
    /// </summary>
    public async Task AdvanceAsync(int ms)
    {
        await Coordinator.WhenIdleAsync().WaitAsync(Wait, TestContext.Current.CancellationToken);
        Time.Advance(TimeSpan.FromMilliseconds(ms));
    }

    public Task<IReadOnlyList<ErrorCode>> CommitAsync(string group, JoinGroupResult? member, string topic, int partition, long offset, long retentionMs = -1) =>
        Coordinator.CommitOffsetsAsync(
            new OffsetCommitParameters(group, member?.GenerationId ?? -1, member?.MemberId ?? string.Empty, null, retentionMs,
                [new OffsetCommitEntry(topic, partition, offset, 7, "meta")]),
            TestContext.Current.CancellationToken);

    public async Task<long?> CommittedAsync(string group, string topic, int partition) =>
        (await Coordinator.FetchOffsetsAsync(group, [new TopicPartition(topic, partition)], TestContext.Current.CancellationToken)).Partitions[0].Offset?.Offset;

    public ValueTask DisposeAsync() => Coordinator.DisposeAsync();
}
