using Gregor.Broker.Tests.Support;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Partitions;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Groups;

/// <summary>The group APIs over a real socket against the in-process broker.</summary>
public sealed class GroupHandlerSocketTests
{
    private const string Group = "socket-group";
    private const string Topic = "group-topic";

    // Few __consumer_offsets partitions: creating 50 logs costs seconds per test on a small machine.
    private static readonly Dictionary<string, string> Overrides = new()
    {
        ["group.initial.rebalance.delay.ms"] = "0",
        ["offsets.topic.num.partitions"] = "3",
    };

    private static async Task EnsureTopicAsync(TestBroker broker)
    {
        if (broker.Services.GetService<QuorumController>() is { } controller && controller.Current.Topic(Topic) is null)
        {
            var outcome = await controller.CreateTopicAsync(
                new CreateTopicSpec(Topic, 2, 1, new Dictionary<string, string?>()), validateOnly: false, TestContext.Current.CancellationToken);
            Assert.Equal(ErrorCode.None, outcome.Error);
        }
    }

    private static async Task<T> RoundTrip<T>(RawKafkaConnection connection, IRequestMessage request, short version)
        where T : class, IResponseMessage, new() =>
        await KafkaWire.RoundTripAsync<T>(connection, request, version) ?? throw new InvalidOperationException("connection closed");

    [Fact]
    public async Task FindCoordinator_ReturnsThisNodeForGroupsAndTransactions()
    {
        await using var broker = await TestBroker.StartAsync(Overrides);
        using var connection = await broker.ConnectAsync();
        var v3 = await RoundTrip<FindCoordinatorResponse>(connection, new FindCoordinatorRequest { KeyField = Group, KeyType = 0 }, 3);
        Assert.Equal((short)ErrorCode.None, v3.ErrorCode);
        Assert.Equal(broker.Config.NodeId, v3.NodeId);
        Assert.Equal(broker.Port, v3.Port);

        var v4 = await RoundTrip<FindCoordinatorResponse>(connection, new FindCoordinatorRequest { KeyType = 1, CoordinatorKeys = ["tx-a", "tx-b"] }, 4);
        Assert.Equal(["tx-a", "tx-b"], v4.Coordinators.Select(c => c.Key));
        Assert.All(v4.Coordinators, c => Assert.Equal(broker.Port, c.Port));

        var bad = await RoundTrip<FindCoordinatorResponse>(connection, new FindCoordinatorRequest { KeyType = 7, CoordinatorKeys = ["x"] }, 4);
        Assert.Equal((short)ErrorCode.InvalidRequest, bad.Coordinators[0].ErrorCode);
    }

    [Fact]
    public async Task GroupLifecycle_OverTheWire_JoinSyncHeartbeatCommitFetchDescribeLeaveDelete()
    {
        await using var broker = await TestBroker.StartAsync(Overrides);
        await EnsureTopicAsync(broker);
        using var connection = await broker.ConnectAsync();
        await RoundTrip<FindCoordinatorResponse>(connection, new FindCoordinatorRequest { KeyField = Group }, 0);
        var subscription = GroupHarness.Subscription(Topic);
        JoinGroupRequest Join(string memberId) => new()
        {
            GroupId = Group,
            SessionTimeoutMs = 10_000,
            RebalanceTimeoutMs = 10_000,
            MemberId = memberId,
            ProtocolType = "consumer",
            Protocols = [new JoinGroupRequest.JoinGroupRequestProtocol { Name = "range", Metadata = subscription }],
        };

        var first = await RoundTrip<JoinGroupResponse>(connection, Join(""), 5);
        Assert.Equal((short)ErrorCode.MemberIdRequired, first.ErrorCode);
        var joined = await RoundTrip<JoinGroupResponse>(connection, Join(first.MemberId), 5);
        Assert.Equal((short)ErrorCode.None, joined.ErrorCode);
        Assert.Equal(first.MemberId, joined.Leader);
        Assert.Equal(subscription, Assert.Single(joined.Members).Metadata);

        var synced = await RoundTrip<SyncGroupResponse>(connection, new SyncGroupRequest
        {
            GroupId = Group,
            GenerationId = joined.GenerationId,
            MemberId = joined.MemberId,
            ProtocolType = "consumer",
            ProtocolName = "range",
            Assignments = [new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = joined.MemberId, Assignment = [7, 7] }],
        }, 5);
        Assert.Equal((short)ErrorCode.None, synced.ErrorCode);
        Assert.Equal([7, 7], synced.Assignment);

        var heartbeat = await RoundTrip<HeartbeatResponse>(connection, new HeartbeatRequest { GroupId = Group, GenerationId = joined.GenerationId, MemberId = joined.MemberId }, 4);
        Assert.Equal((short)ErrorCode.None, heartbeat.ErrorCode);

        var commit = await RoundTrip<OffsetCommitResponse>(connection, new OffsetCommitRequest
        {
            GroupId = Group,
            GenerationIdOrMemberEpoch = joined.GenerationId,
            MemberId = joined.MemberId,
            Topics = [new OffsetCommitRequest.OffsetCommitRequestTopic
            {
                Name = Topic,
                Partitions = [new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 1, CommittedOffset = 42, CommittedMetadata = "m" }],
            }],
        }, 8);
        Assert.Equal((short)ErrorCode.None, commit.Topics[0].Partitions[0].ErrorCode);

        var fetchV8 = await RoundTrip<OffsetFetchResponse>(connection, new OffsetFetchRequest
        {
            Groups = [
                new OffsetFetchRequest.OffsetFetchRequestGroup { GroupId = Group, Topics = null },
                new OffsetFetchRequest.OffsetFetchRequestGroup { GroupId = "nobody", Topics = [new OffsetFetchRequest.OffsetFetchRequestTopics { Name = Topic, PartitionIndexes = [0] }] },
            ],
        }, 8);
        Assert.Equal(42, fetchV8.Groups[0].Topics.Single().Partitions.Single().CommittedOffset);
        Assert.Equal(-1, fetchV8.Groups[1].Topics.Single().Partitions.Single().CommittedOffset);

        var fetchV1 = await RoundTrip<OffsetFetchResponse>(connection, new OffsetFetchRequest
        {
            GroupId = Group,
            Topics = [new OffsetFetchRequest.OffsetFetchRequestTopic { Name = Topic, PartitionIndexes = [0, 1] }],
        }, 1);
        Assert.Equal([-1L, 42L], fetchV1.Topics.Single().Partitions.Select(p => p.CommittedOffset));

        var described = await RoundTrip<DescribeGroupsResponse>(connection, new DescribeGroupsRequest { Groups = [Group, "nobody"] }, 5);
        Assert.Equal("Stable", described.Groups[0].GroupState);
        Assert.Equal("range", described.Groups[0].ProtocolData);
        Assert.Equal([7, 7], described.Groups[0].Members.Single().MemberAssignment);
        Assert.Equal("Dead", described.Groups[1].GroupState);

        var listed = await RoundTrip<ListGroupsResponse>(connection, new ListGroupsRequest { StatesFilter = ["stable"] }, 4);
        Assert.Contains(listed.Groups, g => g.GroupId == Group && g.GroupState == "Stable");

        var notEmpty = await RoundTrip<DeleteGroupsResponse>(connection, new DeleteGroupsRequest { GroupsNames = [Group] }, 2);
        Assert.Equal((short)ErrorCode.NonEmptyGroup, notEmpty.Results[0].ErrorCode);

        var left = await RoundTrip<LeaveGroupResponse>(connection, new LeaveGroupRequest
        {
            GroupId = Group,
            Members = [new LeaveGroupRequest.MemberIdentity { MemberId = joined.MemberId }],
        }, 4);
        Assert.Equal((short)ErrorCode.None, left.ErrorCode);
        Assert.Equal((short)ErrorCode.None, left.Members.Single().ErrorCode);

        var deleted = await RoundTrip<DeleteGroupsResponse>(connection, new DeleteGroupsRequest { GroupsNames = [Group, "nobody"] }, 2);
        Assert.Equal([(short)ErrorCode.None, (short)ErrorCode.GroupIdNotFound], deleted.Results.Select(r => r.ErrorCode));
    }

    [Fact]
    public async Task AdminApis_OffsetDeleteDescribeV6AndListGroupsTypeFilter()
    {
        await using var broker = await TestBroker.StartAsync(Overrides);
        await EnsureTopicAsync(broker);
        using var connection = await broker.ConnectAsync();
        await RoundTrip<FindCoordinatorResponse>(connection, new FindCoordinatorRequest { KeyField = "admin-group" }, 2);
        var commit = await RoundTrip<OffsetCommitResponse>(connection, new OffsetCommitRequest
        {
            GroupId = "admin-group",
            Topics = [new OffsetCommitRequest.OffsetCommitRequestTopic
            {
                Name = Topic,
                Partitions = [
                    new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 5 },
                    new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 1, CommittedOffset = 6 }],
            }],
        }, 9);
        Assert.All(commit.Topics[0].Partitions, p => Assert.Equal((short)ErrorCode.None, p.ErrorCode));

        var deleted = await RoundTrip<OffsetDeleteResponse>(connection, new OffsetDeleteRequest
        {
            GroupId = "admin-group",
            Topics = [new OffsetDeleteRequest.OffsetDeleteRequestTopic { Name = Topic, Partitions = [new OffsetDeleteRequest.OffsetDeleteRequestPartition { PartitionIndex = 0 }] }],
        }, 0);
        Assert.Equal((short)ErrorCode.None, deleted.ErrorCode);
        Assert.Equal((short)ErrorCode.None, deleted.Topics[0].Partitions[0].ErrorCode);
        var fetched = await RoundTrip<OffsetFetchResponse>(connection, new OffsetFetchRequest { GroupId = "admin-group", Topics = null }, 6);
        Assert.Equal([1], fetched.Topics.Single().Partitions.Select(p => p.PartitionIndex));

        var described = await RoundTrip<DescribeGroupsResponse>(connection, new DescribeGroupsRequest { Groups = ["admin-group", "missing"] }, 6);
        Assert.Equal("Empty", described.Groups[0].GroupState);
        Assert.Equal((short)ErrorCode.GroupIdNotFound, described.Groups[1].ErrorCode);

        var classic = await RoundTrip<ListGroupsResponse>(connection, new ListGroupsRequest { TypesFilter = ["classic"] }, 5);
        Assert.Equal("classic", Assert.Single(classic.Groups, g => g.GroupId == "admin-group").GroupType);
        var consumer = await RoundTrip<ListGroupsResponse>(connection, new ListGroupsRequest { TypesFilter = ["consumer"] }, 5);
        Assert.Empty(consumer.Groups);
    }

    [Fact]
    public async Task OldClient_JoinV0AndLeaveV0_WorkWithoutMemberIdRequired()
    {
        await using var broker = await TestBroker.StartAsync(Overrides);
        using var connection = await broker.ConnectAsync();
        var joined = await RoundTrip<JoinGroupResponse>(connection, new JoinGroupRequest
        {
            GroupId = "old",
            SessionTimeoutMs = 10_000,
            ProtocolType = "consumer",
            Protocols = [new JoinGroupRequest.JoinGroupRequestProtocol { Name = "range", Metadata = GroupHarness.Subscription("t") }],
        }, 0);
        Assert.Equal((short)ErrorCode.None, joined.ErrorCode);
        Assert.Equal("range", joined.ProtocolName);
        var left = await RoundTrip<LeaveGroupResponse>(connection, new LeaveGroupRequest { GroupId = "old", MemberId = joined.MemberId }, 0);
        Assert.Equal((short)ErrorCode.None, left.ErrorCode);
        var again = await RoundTrip<LeaveGroupResponse>(connection, new LeaveGroupRequest { GroupId = "old", MemberId = joined.MemberId }, 0);
        Assert.Equal((short)ErrorCode.UnknownMemberId, again.ErrorCode);
    }

    [Fact]
    public async Task CommittedOffsets_SurviveABrokerRestartOnTheSameDataDir()
    {
        await using var broker = await TestBroker.StartAsync(Overrides);
        if (broker.Services.GetService<ReplicaManager>() is null)
        {
            Assert.Skip("the data plane (ReplicaManager) is not registered in BrokerServices yet: offsets are in memory only");
        }
        await EnsureTopicAsync(broker);
        using (var connection = await broker.ConnectAsync())
        {
            await RoundTrip<FindCoordinatorResponse>(connection, new FindCoordinatorRequest { KeyField = Group }, 1);
            var commit = await RoundTrip<OffsetCommitResponse>(connection, new OffsetCommitRequest
            {
                GroupId = Group,
                Topics = [new OffsetCommitRequest.OffsetCommitRequestTopic
                {
                    Name = Topic,
                    Partitions = [new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = 0, CommittedOffset = 77 }],
                }],
            }, 2);
            Assert.Equal((short)ErrorCode.None, commit.Topics[0].Partitions[0].ErrorCode);
        }
        await broker.RestartAsync();
        using var reconnected = await broker.ConnectAsync();
        var fetched = await RoundTrip<OffsetFetchResponse>(reconnected, new OffsetFetchRequest { GroupId = Group, Topics = null }, 7);
        Assert.Equal((short)ErrorCode.None, fetched.ErrorCode);
        Assert.Equal(77, fetched.Topics.Single().Partitions.Single().CommittedOffset);
    }
}
