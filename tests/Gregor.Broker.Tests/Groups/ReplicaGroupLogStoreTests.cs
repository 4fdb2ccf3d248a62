using Gregor.Broker.Groups;
using Gregor.Broker.Tests.Replication;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Time.Testing;

namespace Gregor.Broker.Tests.Groups;

/// <summary>The coordinator on the real ReplicaManager: records go into __consumer_offsets batches and come back on reload.</summary>
public sealed class ReplicaGroupLogStoreTests : IDisposable
{
    private readonly TestMetadataPublisher _metadata = new();
    private readonly InMemoryReplicaLogProvider _logs = new();
    private readonly ReplicaManager _replicas;

    public ReplicaGroupLogStoreTests()
    {
        _replicas = new ReplicaManager(_metadata, _logs, new ReplicaManagerOptions(NodeId: 1, MessageMaxBytes: 1_000_000));
        _replicas.Open();
        _metadata.AddTopic(GroupCoordinatorOptions.OffsetsTopicName, 50, configs: new Dictionary<string, string> { ["cleanup.policy"] = "compact" });
    }

    [Fact]
    public async Task Coordinator_RestartedOnTheSameReplicaLog_RestoresGroupsAndOffsets()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var store = new ReplicaGroupLogStore(_replicas, time);
        JoinGroupResult member;
        await using (var h = await GroupHarness.StartAsync(store: null, time: time, logStore: store))
        {
            member = await h.FormSingleMemberGroupAsync("orders-service", [1, 2]);
            Assert.Equal([ErrorCode.None], await h.CommitAsync("orders-service", member, "orders", 0, 100));
            Assert.Equal([ErrorCode.None], await h.CommitAsync("orders-service", member, "orders", 0, 150));
        }
        var partition = new TopicPartition(GroupCoordinatorOptions.OffsetsTopicName, GroupPartitioner.PartitionFor("orders-service", 50));
        Assert.True(_replicas.GetPartition(partition).LogEndOffset >= 3);

        await using var restarted = await GroupHarness.StartAsync(time: time, logStore: new ReplicaGroupLogStore(_replicas, time));
        Assert.Equal(150, (await restarted.CommittedAsync("orders-service", "orders", 0)));
        Assert.Equal(GroupState.Stable, (await restarted.Coordinator.DescribeGroupAsync("orders-service", TestContext.Current.CancellationToken)).State);
        Assert.Equal(ErrorCode.None, (await restarted.Coordinator.HeartbeatAsync("orders-service", member.MemberId, null, member.GenerationId)));
    }

    [Fact]
    public async Task Append_WhenThePartitionIsNotHosted_FailsWithTheReplicaError()
    {
        _metadata.RemoveTopic(GroupCoordinatorOptions.OffsetsTopicName);
        var store = new ReplicaGroupLogStore(_replicas, TimeProvider.System);
        var error = await Assert.ThrowsAsync<GroupLogAppendException>(async () =>
            await store.AppendAsync(0, [new GroupLogRecord([0, 2, 0, 1, 0x67], null)], TestContext.Current.CancellationToken));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, error.Error);
        await foreach (var _ in store.ReadAllAsync(0, TestContext.Current.CancellationToken))
        {
            Assert.Fail("an unhosted partition reads as empty");
        }
    }

    public void Dispose() => _replicas.Dispose();
}
