using Gregor.Protocol.Messages;

namespace Gregor.Broker.Quorum;

/// <summary>
/// The APIs a controller listener serves, as Kafka's ControllerApis: exactly the requests whose
/// message spec lists the "controller" listener (../shared/kafka-protocol: Raft's Vote,
/// BeginQuorumEpoch, EndQuorumEpoch, Fetch of the metadata partition, FetchSnapshot,
/// DescribeQuorum; broker registration and heartbeats; the admin requests brokers forward;
/// ApiVersions). Any other request there closes the connection, as Kafka's SocketServer does for
/// an API not enabled on a listener, and ApiVersions there lists only these. Those Gregor has no
/// handler for are refused as on any listener. Stateless.
/// </summary>
public static class ControllerApis
{
    private static readonly HashSet<ApiKey> Served =
    [
        ApiKey.AddRaftVoter, ApiKey.AllocateProducerIds, ApiKey.AlterClientQuotas, ApiKey.AlterConfigs,
        ApiKey.AlterPartitionReassignments, ApiKey.AlterPartition, ApiKey.AlterUserScramCredentials, ApiKey.ApiVersions,
        ApiKey.AssignReplicasToDirs, ApiKey.BeginQuorumEpoch, ApiKey.BrokerHeartbeat, ApiKey.BrokerRegistration,
        ApiKey.ControllerRegistration, ApiKey.CreateAcls, ApiKey.CreateDelegationToken, ApiKey.CreatePartitions,
        ApiKey.CreateTopics, ApiKey.DeleteAcls, ApiKey.DeleteTopics, ApiKey.DescribeAcls, ApiKey.DescribeCluster,
        ApiKey.DescribeConfigs, ApiKey.DescribeDelegationToken, ApiKey.DescribeQuorum, ApiKey.DescribeUserScramCredentials,
        ApiKey.ElectLeaders, ApiKey.EndQuorumEpoch, ApiKey.Envelope, ApiKey.ExpireDelegationToken, ApiKey.Fetch,
        ApiKey.FetchSnapshot, ApiKey.IncrementalAlterConfigs, ApiKey.ListPartitionReassignments, ApiKey.RemoveRaftVoter,
        ApiKey.RenewDelegationToken, ApiKey.SaslAuthenticate, ApiKey.SaslHandshake, ApiKey.UnregisterBroker,
        ApiKey.UnregisterController, ApiKey.UpdateFeatures, ApiKey.UpdateRaftVoter, ApiKey.Vote,
    ];

    public static bool Serves(ApiKey apiKey) => Served.Contains(apiKey);
}
