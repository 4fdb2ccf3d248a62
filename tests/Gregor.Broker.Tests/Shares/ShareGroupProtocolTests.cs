using Gregor.Broker.Handlers;
using Gregor.Broker.Tests.Support;
using Gregor.Cluster.Metadata;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Shares;

/// <summary>
/// Share groups over raw protocol requests against an in-process broker: ShareGroupHeartbeat,
/// ShareGroupDescribe, ShareFetch (sessions, acquisition, long poll), ShareAcknowledge, ListGroups
/// and DeleteGroups, and the group-id namespace shared with classic groups.
/// </summary>
public sealed class ShareGroupProtocolTests
{
    private const short Version = 1;

    private static async Task<Guid> CreateTopicAsync(TestBroker broker, RawKafkaConnection connection, string topic, int partitions = 1)
    {
        var response = await KafkaWire.RoundTripAsync<CreateTopicsResponse>(connection, new CreateTopicsRequest
        {
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }],
        }, 5);
        Assert.Equal(0, Assert.Single(response!.Topics).ErrorCode);
        var metadata = broker.Services.GetRequiredService<IMetadataPublisher>();
        await Eventually.TrueAsync(() => metadata.Current.Topic(topic) is not null, $"{topic} in the metadata image");
        return metadata.Current.Topic(topic)!.TopicId;
    }

    private static async Task ProduceAsync(RawKafkaConnection connection, string topic, int count, int partition = 0)
    {
        var response = await KafkaWire.RoundTripAsync<ProduceResponse>(connection, new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 30_000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = partition, Records = TestBatches.Build(count) }] }],
        }, 9);
        Assert.Equal(0, Assert.Single(Assert.Single(response!.Responses).PartitionResponses).ErrorCode);
    }

    private static async Task<ShareGroupHeartbeatResponse> HeartbeatAsync(RawKafkaConnection connection, string group, string member, int epoch, params string[] topics)
    {
        var response = await KafkaWire.RoundTripAsync<ShareGroupHeartbeatResponse>(connection, new ShareGroupHeartbeatRequest
        {
            GroupId = group,
            MemberId = member,
            MemberEpoch = epoch,
            SubscribedTopicNames = topics.Length == 0 ? null : [.. topics],
        }, Version);
        return response!;
    }

    private static ShareFetchRequest Fetch(string group, string member, int epoch, Guid topicId, int maxWaitMs = 0, params ShareFetchRequest.AcknowledgementBatch[] acks) => new()
    {
        GroupId = group,
        MemberId = member,
        ShareSessionEpoch = epoch,
        MaxWaitMs = maxWaitMs,
        MinBytes = 1,
        MaxBytes = 1 << 20,
        MaxRecords = 500,
        BatchSize = 500,
        Topics = [new ShareFetchRequest.FetchTopic { TopicId = topicId, Partitions = [new ShareFetchRequest.FetchPartition { PartitionIndex = 0, AcknowledgementBatches = [.. acks] }] }],
    };

    private static ShareFetchRequest.AcknowledgementBatch FetchAck(long first, long last, sbyte type) =>
        new() { FirstOffset = first, LastOffset = last, AcknowledgeTypes = [type] };

    private static ShareAcknowledgeRequest Acknowledge(string group, string member, int epoch, Guid topicId, long first, long last, sbyte type) => new()
    {
        GroupId = group,
        MemberId = member,
        ShareSessionEpoch = epoch,
        Topics =
        [
            new ShareAcknowledgeRequest.AcknowledgeTopic
            {
                TopicId = topicId,
                Partitions = [new ShareAcknowledgeRequest.AcknowledgePartition
                {
                    PartitionIndex = 0,
                    AcknowledgementBatches = [new ShareAcknowledgeRequest.AcknowledgementBatch { FirstOffset = first, LastOffset = last, AcknowledgeTypes = [type] }],
                }],
            },
        ],
    };

    private static async Task<ShareFetchResponse> ShareFetchAsync(RawKafkaConnection connection, ShareFetchRequest request, short version = Version) =>
        (await KafkaWire.RoundTripAsync<ShareFetchResponse>(connection, request, version))!;

    private static List<(long First, long Last, short Count)> Acquired(ShareFetchResponse response) =>
        [.. response.Responses.SelectMany(t => t.Partitions).SelectMany(p => p.AcquiredRecords).Select(a => (a.FirstOffset, a.LastOffset, a.DeliveryCount))];

    [Fact]
    public async Task ApiVersions_AdvertisesShareApisFromV1_AndTheShareVersionFeature()
    {
        await using var broker = await TestBroker.StartAsync();
        using var connection = await broker.ConnectAsync();

        var response = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(connection, new ApiVersionsRequest { ClientSoftwareName = "test", ClientSoftwareVersion = "1" }, 3);

        foreach (var (key, min, max) in new[] { (76, 1, 1), (77, 1, 1), (78, 1, 2), (79, 1, 2), (90, 0, 1) })
        {
            var api = Assert.Single(response!.ApiKeys, k => k.ApiKey == key);
            Assert.Equal((min, max), (api.MinVersion, api.MaxVersion));
        }
        Assert.Contains(response!.FinalizedFeatures, f => f.Name == ApiVersionsHandler.ShareVersionFeature && f.MaxVersionLevel == 1);
    }

    [Fact]
    public async Task Heartbeat_JoinsMembers_SharesTheOnlyPartition_AndDescribeAndListShowTheGroup()
    {
        await using var broker = await TestBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        var topicId = await CreateTopicAsync(broker, connection, "jobs");

        var first = await HeartbeatAsync(connection, "workers", "m-1", 0, "jobs");
        var second = await HeartbeatAsync(connection, "workers", "m-2", 0, "jobs");

        Assert.Equal(0, first.ErrorCode);
        Assert.True(first.MemberEpoch > 0);
        Assert.Equal(topicId, Assert.Single(first.Assignment!.TopicPartitions).TopicId);
        Assert.Equal([0], Assert.Single(second.Assignment!.TopicPartitions).Partitions);
        var again = await HeartbeatAsync(connection, "workers", "m-1", first.MemberEpoch);
        Assert.Equal(0, again.ErrorCode);
        Assert.Equal((short)ErrorCode.FencedMemberEpoch, (await HeartbeatAsync(connection, "workers", "m-1", again.MemberEpoch + 7)).ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownMemberId, (await HeartbeatAsync(connection, "workers", "nobody", 3)).ErrorCode);

        var described = Assert.Single((await KafkaWire.RoundTripAsync<ShareGroupDescribeResponse>(connection, new ShareGroupDescribeRequest { GroupIds = ["workers", "missing"] }, Version))!.Groups, g => g.GroupId == "workers");
        Assert.Equal("Stable", described.GroupState);
        Assert.Equal(["m-1", "m-2"], described.Members.Select(m => m.MemberId).Order());
        Assert.Equal("simple", described.AssignorName);

        var listed = await KafkaWire.RoundTripAsync<ListGroupsResponse>(connection, new ListGroupsRequest { TypesFilter = ["share"] }, 5);
        var group = Assert.Single(listed!.Groups);
        Assert.Equal(("workers", "share", "Stable"), (group.GroupId, group.GroupType, group.GroupState));

        Assert.Equal(-1, (await HeartbeatAsync(connection, "workers", "m-1", -1)).MemberEpoch);
        Assert.Equal(-1, (await HeartbeatAsync(connection, "workers", "m-2", -1)).MemberEpoch);
        var deleted = await KafkaWire.RoundTripAsync<DeleteGroupsResponse>(connection, new DeleteGroupsRequest { GroupsNames = ["workers"] }, 2);
        Assert.Equal(0, Assert.Single(deleted!.Results).ErrorCode);
        Assert.Empty((await KafkaWire.RoundTripAsync<ListGroupsResponse>(connection, new ListGroupsRequest { TypesFilter = ["share"] }, 5))!.Groups);
    }

    [Fact]
    public async Task ClassicJoin_OnAShareGroupId_IsInconsistentGroupProtocol()
    {
        await using var broker = await TestBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        await CreateTopicAsync(broker, connection, "jobs");
        await HeartbeatAsync(connection, "shared-id", "m-1", 0, "jobs");

        var join = await KafkaWire.RoundTripAsync<JoinGroupResponse>(connection, new JoinGroupRequest
        {
            GroupId = "shared-id",
            SessionTimeoutMs = 10_000,
            RebalanceTimeoutMs = 10_000,
            MemberId = "",
            ProtocolType = "consumer",
            Protocols = [new JoinGroupRequest.JoinGroupRequestProtocol { Name = "range", Metadata = new byte[] { 0, 0 } }],
        }, 5);

        Assert.Equal((short)ErrorCode.InconsistentGroupProtocol, join!.ErrorCode);
    }

    [Fact]
    public async Task ShareFetch_AcquiresRecords_AcknowledgesThem_AndRedeliversAReleasedOneWithAHigherCount()
    {
        await using var broker = await TestBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        using var other = await broker.ConnectAsync();
        var topicId = await CreateTopicAsync(broker, connection, "jobs");
        await HeartbeatAsync(connection, "workers", "a", 0, "jobs");
        await HeartbeatAsync(other, "workers", "b", 0, "jobs");

        // share.auto.offset.reset is latest: the share partition starts where the log ends at the first fetch.
        Assert.Empty(Acquired(await ShareFetchAsync(connection, Fetch("workers", "a", 0, topicId))));
        await ProduceAsync(connection, "jobs", 10);

        var fetched = await ShareFetchAsync(connection, Fetch("workers", "a", 1, topicId, maxWaitMs: 5000));
        Assert.Equal([(0L, 9L, (short)1)], Acquired(fetched));
        var records = Assert.Single(Assert.Single(fetched.Responses).Partitions).Records!.Value;
        Assert.Equal(10, TestBatches.Records(records.Span).Count);

        // Accept 0-7 and release 8 with the next fetch; release 9 with ShareAcknowledge.
        var next = await ShareFetchAsync(connection, Fetch("workers", "a", 2, topicId, 0, FetchAck(0, 7, 1), FetchAck(8, 8, 2)));
        Assert.Equal(0, Assert.Single(Assert.Single(next.Responses).Partitions).AcknowledgeErrorCode);
        Assert.Equal([(8L, 8L, (short)2)], Acquired(next));
        var ack = await KafkaWire.RoundTripAsync<ShareAcknowledgeResponse>(connection, Acknowledge("workers", "a", 3, topicId, 9, 9, 2), Version);
        Assert.Equal(0, Assert.Single(Assert.Single(ack!.Responses).Partitions).ErrorCode);

        var forB = await ShareFetchAsync(other, Fetch("workers", "b", 0, topicId, maxWaitMs: 5000));
        Assert.Equal([(9L, 9L, (short)2)], Acquired(forB));

        // b cannot acknowledge what a holds.
        var stale = await KafkaWire.RoundTripAsync<ShareAcknowledgeResponse>(other, Acknowledge("workers", "b", 1, topicId, 8, 8, 1), Version);
        Assert.Equal((short)ErrorCode.InvalidRecordState, Assert.Single(Assert.Single(stale!.Responses).Partitions).ErrorCode);
    }

    [Fact]
    public async Task ShareFetch_LongPoll_IsWokenByAProduce()
    {
        await using var broker = await TestBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        using var producer = await broker.ConnectAsync();
        var topicId = await CreateTopicAsync(broker, connection, "jobs");
        await HeartbeatAsync(connection, "workers", "a", 0, "jobs");
        await ShareFetchAsync(connection, Fetch("workers", "a", 0, topicId));

        var waiting = ShareFetchAsync(connection, Fetch("workers", "a", 1, topicId, maxWaitMs: 30_000));
        Assert.False(waiting.IsCompleted);
        await ProduceAsync(producer, "jobs", 3);

        Assert.Equal([(0L, 2L, (short)1)], Acquired(await waiting.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task ClosingTheConnection_ReleasesTheSessionsRecords()
    {
        await using var broker = await TestBroker.StartAsync();
        using var other = await broker.ConnectAsync();
        var topicId = await CreateTopicAsync(broker, other, "jobs");
        await HeartbeatAsync(other, "workers", "b", 0, "jobs");
        using (var connection = await broker.ConnectAsync())
        {
            await HeartbeatAsync(connection, "workers", "a", 0, "jobs");
            await ShareFetchAsync(connection, Fetch("workers", "a", 0, topicId));
            await ProduceAsync(connection, "jobs", 4);
            Assert.Equal([(0L, 3L, (short)1)], Acquired(await ShareFetchAsync(connection, Fetch("workers", "a", 1, topicId, maxWaitMs: 5000))));
        }

        var fetched = await ShareFetchAsync(other, Fetch("workers", "b", 0, topicId, maxWaitMs: 10_000));

        Assert.Equal([(0L, 3L, (short)2)], Acquired(fetched));
    }

    [Fact]
    public async Task LeavingTheGroup_ReleasesTheMembersRecords_AndClosingTheSessionWithMinusOneToo()
    {
        await using var broker = await TestBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        var topicId = await CreateTopicAsync(broker, connection, "jobs");
        await HeartbeatAsync(connection, "workers", "a", 0, "jobs");
        await HeartbeatAsync(connection, "workers", "b", 0, "jobs");
        await ShareFetchAsync(connection, Fetch("workers", "a", 0, topicId));
        await ProduceAsync(connection, "jobs", 2);
        Assert.Equal([(0L, 1L, (short)1)], Acquired(await ShareFetchAsync(connection, Fetch("workers", "a", 1, topicId, maxWaitMs: 5000))));

        var close = await ShareFetchAsync(connection, Fetch("workers", "a", -1, topicId, 0, FetchAck(0, 0, 1)));
        Assert.Equal(0, Assert.Single(Assert.Single(close.Responses).Partitions).AcknowledgeErrorCode);

        Assert.Equal([(1L, 1L, (short)2)], Acquired(await ShareFetchAsync(connection, Fetch("workers", "b", 0, topicId, maxWaitMs: 5000))));

        // b leaves the group with its session still open: its records stay with the session (its
        // final acknowledgements may still come) until the session closes.
        Assert.Equal(-1, (await HeartbeatAsync(connection, "workers", "b", -1)).MemberEpoch);
        await HeartbeatAsync(connection, "workers", "c", 0, "jobs");
        Assert.Empty(Acquired(await ShareFetchAsync(connection, Fetch("workers", "c", 0, topicId))));
        await KafkaWire.RoundTripAsync<ShareAcknowledgeResponse>(connection, Acknowledge("workers", "b", -1, topicId, 0, 0, 1), Version);
        Assert.Equal([(1L, 1L, (short)3)], Acquired(await ShareFetchAsync(connection, Fetch("workers", "c", 1, topicId, maxWaitMs: 5000))));
    }

    [Fact]
    public async Task SessionErrors_FollowKafkasEpochRules()
    {
        await using var broker = await TestBroker.StartAsync(new Dictionary<string, string> { ["group.share.max.share.sessions"] = "1" });
        using var connection = await broker.ConnectAsync();
        var topicId = await CreateTopicAsync(broker, connection, "jobs");
        await HeartbeatAsync(connection, "workers", "a", 0, "jobs");
        await HeartbeatAsync(connection, "workers", "b", 0, "jobs");

        Assert.Equal((short)ErrorCode.ShareSessionNotFound, (await ShareFetchAsync(connection, Fetch("workers", "a", 1, topicId))).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidRequest, (await ShareFetchAsync(connection, Fetch("workers", "a", 0, topicId, 0, FetchAck(0, 0, 1)))).ErrorCode);
        Assert.Equal(0, (await ShareFetchAsync(connection, Fetch("workers", "a", 0, topicId))).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidShareSessionEpoch, (await ShareFetchAsync(connection, Fetch("workers", "a", 5, topicId))).ErrorCode);
        Assert.Equal((short)ErrorCode.ShareSessionLimitReached, (await ShareFetchAsync(connection, Fetch("workers", "b", 0, topicId))).ErrorCode);
        var ackOpen = await KafkaWire.RoundTripAsync<ShareAcknowledgeResponse>(connection, Acknowledge("workers", "a", 0, topicId, 0, 0, 1), Version);
        Assert.Equal((short)ErrorCode.InvalidShareSessionEpoch, ackOpen!.ErrorCode);
        Assert.Equal((short)ErrorCode.UnknownMemberId, (await ShareFetchAsync(connection, Fetch("workers", "stranger", 0, topicId))).ErrorCode);
    }

    [Fact]
    public async Task AnExpiredLock_GivesTheRecordToAnother_AndTheFormerHoldersAcceptIsInvalidRecordState()
    {
        await using var broker = await TestBroker.StartAsync(new Dictionary<string, string> { ["group.share.record.lock.duration.ms"] = "1000" });
        using var connection = await broker.ConnectAsync();
        var topicId = await CreateTopicAsync(broker, connection, "jobs");
        await HeartbeatAsync(connection, "workers", "a", 0, "jobs");
        await HeartbeatAsync(connection, "workers", "b", 0, "jobs");
        await ShareFetchAsync(connection, Fetch("workers", "a", 0, topicId));
        await ProduceAsync(connection, "jobs", 1);
        Assert.Equal([(0L, 0L, (short)1)], Acquired(await ShareFetchAsync(connection, Fetch("workers", "a", 1, topicId, maxWaitMs: 5000))));

        // b's long poll wakes when a's lock expires (a timeout cut to the lock deadline, no event).
        var forB = await ShareFetchAsync(connection, Fetch("workers", "b", 0, topicId, maxWaitMs: 20_000));
        Assert.Equal([(0L, 0L, (short)2)], Acquired(forB));

        var late = await KafkaWire.RoundTripAsync<ShareAcknowledgeResponse>(connection, Acknowledge("workers", "a", 2, topicId, 0, 0, 1), Version);
        Assert.Equal((short)ErrorCode.InvalidRecordState, Assert.Single(Assert.Single(late!.Responses).Partitions).ErrorCode);
    }

    private static async Task<IncrementalAlterConfigsResponse.AlterConfigsResourceResponse> AlterGroupConfigAsync(RawKafkaConnection connection, string group, string name, string? value)
    {
        var response = await KafkaWire.RoundTripAsync<IncrementalAlterConfigsResponse>(connection, new IncrementalAlterConfigsRequest
        {
            Resources =
            [
                new IncrementalAlterConfigsRequest.AlterConfigsResource
                {
                    ResourceType = 32,
                    ResourceName = group,
                    Configs = [new IncrementalAlterConfigsRequest.AlterableConfig { Name = name, ConfigOperation = 0, Value = value }],
                },
            ],
        }, 1);
        return Assert.Single(response!.Responses);
    }

    [Fact]
    public async Task ShareAutoOffsetReset_SetToEarliestThroughIncrementalAlterConfigs_DeliversWhatWasProducedBefore()
    {
        await using var broker = await TestBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        var topicId = await CreateTopicAsync(broker, connection, "jobs");
        await ProduceAsync(connection, "jobs", 5);

        Assert.Equal((short)ErrorCode.InvalidConfig, (await AlterGroupConfigAsync(connection, "workers", "share.auto.offset.reset", "sometimes")).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidConfig, (await AlterGroupConfigAsync(connection, "workers", "no.such.key", "1")).ErrorCode);
        Assert.Equal(0, (await AlterGroupConfigAsync(connection, "workers", "share.auto.offset.reset", "earliest")).ErrorCode);
        Assert.Equal(0, (await AlterGroupConfigAsync(connection, "workers", "share.delivery.count.limit", "2")).ErrorCode);
        await HeartbeatAsync(connection, "workers", "a", 0, "jobs");

        Assert.Equal([(0L, 4L, (short)1)], Acquired(await ShareFetchAsync(connection, Fetch("workers", "a", 0, topicId, maxWaitMs: 5000))));
        Assert.Equal([(0L, 4L, (short)2)], Acquired(await ShareFetchAsync(connection, Fetch("workers", "a", 1, topicId, 5000, FetchAck(0, 4, 2)))));

        // The group's delivery limit (2) archives them on the next release.
        var released = await ShareFetchAsync(connection, Fetch("workers", "a", 2, topicId, 0, FetchAck(0, 4, 2)));
        Assert.Empty(Acquired(released));
    }

    [Fact]
    public async Task RetryBackoff_GroupConfig_HoldsAReleasedRecordBackUntilItsDueTime_AndTheLongPollWakesThen()
    {
        await using var broker = await TestBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        var topicId = await CreateTopicAsync(broker, connection, "jobs");
        Assert.Equal(0, (await AlterGroupConfigAsync(connection, "workers", "share.auto.offset.reset", "earliest")).ErrorCode);
        Assert.Equal(0, (await AlterGroupConfigAsync(connection, "workers", "gregor.share.retry.backoff.ms", "1500")).ErrorCode);
        Assert.Equal((short)ErrorCode.InvalidConfig, (await AlterGroupConfigAsync(connection, "workers", "gregor.share.retry.backoff.jitter", "2")).ErrorCode);
        await ProduceAsync(connection, "jobs", 1);
        await HeartbeatAsync(connection, "workers", "a", 0, "jobs");
        Assert.Equal([(0L, 0L, (short)1)], Acquired(await ShareFetchAsync(connection, Fetch("workers", "a", 0, topicId, maxWaitMs: 5000))));

        var sinceRelease = System.Diagnostics.Stopwatch.StartNew();
        var released = await ShareFetchAsync(connection, Fetch("workers", "a", 1, topicId, 0, FetchAck(0, 0, 2)));
        Assert.Empty(Acquired(released));
        var redelivered = await ShareFetchAsync(connection, Fetch("workers", "a", 2, topicId, maxWaitMs: 20_000));

        Assert.Equal([(0L, 0L, (short)2)], Acquired(redelivered));
        Assert.True(sinceRelease.ElapsedMilliseconds >= 1500, $"redelivered {sinceRelease.ElapsedMilliseconds} ms after the release, backoff 1500 ms");
    }

    private static async Task<DescribeShareGroupOffsetsResponse.DescribeShareGroupOffsetsResponsePartition> DescribeOffsetsAsync(RawKafkaConnection connection, string group)
    {
        var response = await KafkaWire.RoundTripAsync<DescribeShareGroupOffsetsResponse>(connection, new DescribeShareGroupOffsetsRequest
        {
            Groups = [new DescribeShareGroupOffsetsRequest.DescribeShareGroupOffsetsRequestGroup { GroupId = group, Topics = null }],
        }, 1);
        var described = Assert.Single(response!.Groups);
        Assert.Equal(0, described.ErrorCode);
        return Assert.Single(Assert.Single(described.Topics).Partitions);
    }

    [Fact]
    public async Task DescribeShareGroupOffsets_ShowsTheStartOffsetAndTheLag()
    {
        await using var broker = await TestBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        var topicId = await CreateTopicAsync(broker, connection, "jobs");
        Assert.Equal(0, (await AlterGroupConfigAsync(connection, "workers", "share.auto.offset.reset", "earliest")).ErrorCode);
        await ProduceAsync(connection, "jobs", 10);
        await HeartbeatAsync(connection, "workers", "a", 0, "jobs");
        Assert.Equal([(0L, 9L, (short)1)], Acquired(await ShareFetchAsync(connection, Fetch("workers", "a", 0, topicId, maxWaitMs: 5000))));

        await ShareFetchAsync(connection, Fetch("workers", "a", 1, topicId, 0, FetchAck(0, 7, 1), FetchAck(9, 9, 3)));
        var offsets = await DescribeOffsetsAsync(connection, "workers");

        Assert.Equal((8L, 1L), (offsets.StartOffset, offsets.Lag));
        var unknown = await KafkaWire.RoundTripAsync<DescribeShareGroupOffsetsResponse>(connection, new DescribeShareGroupOffsetsRequest
        {
            Groups = [new DescribeShareGroupOffsetsRequest.DescribeShareGroupOffsetsRequestGroup { GroupId = "nobody", Topics = null }],
        }, 1);
        Assert.Equal((short)ErrorCode.GroupIdNotFound, Assert.Single(unknown!.Groups).ErrorCode);
    }
}
