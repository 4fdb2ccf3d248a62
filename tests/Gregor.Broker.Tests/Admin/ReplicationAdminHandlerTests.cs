using Gregor.Broker.Tests.Support;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Admin;

/// <summary>
/// AlterPartition, ElectLeaders, AlterPartitionReassignments and ListPartitionReassignments over
/// the wire on a single node (a cluster of one, its own active controller).
/// </summary>
public sealed class ReplicationAdminHandlerTests
{
    private static async Task<(TestBroker Broker, AdminClient Client)> StartAsync()
    {
        var broker = await TestBroker.StartAsync();
        return (broker, new AdminClient(await broker.ConnectAsync()));
    }

    [Fact]
    public async Task ApiVersions_ListsTheReplicationApis()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;

        var versions = await client.SendAsync<ApiVersionsResponse>(new ApiVersionsRequest { ClientSoftwareName = "test", ClientSoftwareVersion = "1" }, 3);

        var keys = versions.ApiKeys.ToDictionary(k => k.ApiKey, k => (k.MinVersion, k.MaxVersion));
        Assert.Equal(((short)0, (short)2), keys[43]);
        Assert.Equal(((short)0, (short)1), keys[45]);
        Assert.Equal(((short)0, (short)0), keys[46]);
        Assert.Equal(((short)2, (short)3), keys[56]);
    }

    [Fact]
    public async Task AlterPartition_FromTheLeader_IsAnsweredWithTheCommittedState_AndAStaleEpochIsRefused()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;
        await client.CreateTopicAsync("t");
        var image = broker.Services.GetRequiredService<IController>().Current;
        var topic = image.Topic("t")!;
        var partition = topic.Partitions[0];
        var brokerEpoch = image.Brokers[1].Epoch;
        AlterPartitionRequest Request(long epoch) => new()
        {
            BrokerId = 1,
            BrokerEpoch = epoch,
            Topics = [new AlterPartitionRequest.TopicData
            {
                TopicId = topic.TopicId,
                Partitions = [new AlterPartitionRequest.PartitionData
                {
                    PartitionIndex = 0,
                    LeaderEpoch = partition.LeaderEpoch,
                    PartitionEpoch = partition.PartitionEpoch,
                    NewIsrWithEpochs = [new AlterPartitionRequest.BrokerState { BrokerId = 1, BrokerEpoch = brokerEpoch }],
                }],
            }],
        };

        var accepted = await client.SendAsync<AlterPartitionResponse>(Request(brokerEpoch), 3);
        var stale = await client.SendAsync<AlterPartitionResponse>(Request(brokerEpoch + 1), 3);

        Assert.Equal((short)ErrorCode.None, accepted.ErrorCode);
        var result = Assert.Single(Assert.Single(accepted.Topics).Partitions);
        Assert.Equal((short)ErrorCode.None, result.ErrorCode);
        Assert.Equal((1, partition.LeaderEpoch, partition.PartitionEpoch), (result.LeaderId, result.LeaderEpoch, result.PartitionEpoch));
        Assert.Equal([1], result.Isr);
        Assert.Equal((short)ErrorCode.StaleBrokerEpoch, stale.ErrorCode);
        Assert.Empty(stale.Topics);
    }

    [Fact]
    public async Task ElectLeaders_WhenThePreferredReplicaLeads_IsNotNeeded_AndUnknownPartitionsAreSaidSo()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;
        await client.CreateTopicAsync("t");

        var response = await client.SendAsync<ElectLeadersResponse>(new ElectLeadersRequest
        {
            ElectionType = 0,
            TopicPartitions = [new ElectLeadersRequest.TopicPartitionsData { Topic = "t", Partitions = [0, 5] }],
        }, 2);
        var unknownType = await client.SendAsync<ElectLeadersResponse>(new ElectLeadersRequest { ElectionType = 3, TopicPartitions = null }, 2);

        Assert.Equal((short)ErrorCode.None, response.ErrorCode);
        var results = Assert.Single(response.ReplicaElectionResults).PartitionResult;
        Assert.Equal([(0, (short)ErrorCode.ElectionNotNeeded), (5, (short)ErrorCode.UnknownTopicOrPartition)], results.Select(r => (r.PartitionId, r.ErrorCode)));
        Assert.Equal((short)ErrorCode.InvalidRequest, unknownType.ErrorCode);
    }

    [Fact]
    public async Task Reassignments_AreValidatedListedAndCancelled()
    {
        var (broker, client) = await StartAsync();
        await using var _ = broker;
        using var __ = client;
        await client.CreateTopicAsync("t");
        AlterPartitionReassignmentsRequest Reassign(List<int>? replicas) => new()
        {
            Topics = [new AlterPartitionReassignmentsRequest.ReassignableTopic
            {
                Name = "t",
                Partitions = [new AlterPartitionReassignmentsRequest.ReassignablePartition { PartitionIndex = 0, Replicas = replicas }],
            }],
        };

        var unknownBroker = await client.SendAsync<AlterPartitionReassignmentsResponse>(Reassign([1, 2]), 1);
        var same = await client.SendAsync<AlterPartitionReassignmentsResponse>(Reassign([1]), 1);
        var cancel = await client.SendAsync<AlterPartitionReassignmentsResponse>(Reassign(null), 0);
        var listed = await client.SendAsync<ListPartitionReassignmentsResponse>(new ListPartitionReassignmentsRequest { Topics = null }, 0);

        static short ErrorOf(AlterPartitionReassignmentsResponse r) => Assert.Single(Assert.Single(r.Responses).Partitions).ErrorCode;
        Assert.Equal((short)ErrorCode.InvalidReplicaAssignment, ErrorOf(unknownBroker));
        Assert.Equal((short)ErrorCode.None, ErrorOf(same));
        Assert.Equal((short)ErrorCode.NoReassignmentInProgress, ErrorOf(cancel));
        Assert.Equal((short)ErrorCode.None, listed.ErrorCode);
        Assert.Empty(listed.Topics);
    }
}
