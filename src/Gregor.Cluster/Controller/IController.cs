using Gregor.Cluster.Configs;
using Gregor.Cluster.Metadata;
using Gregor.Protocol;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>
/// What the rest of a node asks of the metadata controller (Kafka's <c>Controller</c>
/// interface): every change to topology or configs goes through it and is answered once
/// committed to the metadata log. Handlers and admin code depend on this interface, never on
/// <see cref="QuorumController"/>, so the quorum behind it (one voter today, a Raft quorum with
/// forwarding to the active controller next) can change without touching them.
/// </summary>
public interface IController : IMetadataPublisher
{
    /// <summary>Creates a topic (or only validates it), answering with Kafka's error codes.</summary>
    Task<CreateTopicOutcome> CreateTopicAsync(CreateTopicSpec spec, bool validateOnly, CancellationToken cancellationToken);

    Task<(ErrorCode Error, string? Message)> DeleteTopicAsync(string name, CancellationToken cancellationToken);

    Task<(ErrorCode Error, string? Message)> DeleteTopicAsync(Guid topicId, CancellationToken cancellationToken);

    Task<(ErrorCode Error, string? Message)> CreatePartitionsAsync(string topic, int newTotal, bool validateOnly, CancellationToken cancellationToken);

    /// <summary>Grows a topic to <paramref name="newTotal"/> partitions; <paramref name="assignments"/> gives the new partitions' replicas.</summary>
    Task<(ErrorCode Error, string? Message)> CreatePartitionsAsync(
        string topic, int newTotal, IReadOnlyList<int[]>? assignments, bool validateOnly, CancellationToken cancellationToken);

    /// <summary>
    /// Changes a topic's dynamic configs. Incremental applies SET/DELETE/APPEND/SUBTRACT to the
    /// current overrides; otherwise (legacy AlterConfigs) the changes replace every override.
    /// </summary>
    Task<(ErrorCode Error, string? Message)> AlterTopicConfigsAsync(
        string topic, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly, CancellationToken cancellationToken);

    /// <summary>Hands out <paramref name="size"/> producer ids, committed before they are returned.</summary>
    Task<long> AllocateProducerIdBlockAsync(int size, CancellationToken cancellationToken);

    /// <summary>Registers this node (a new incarnation) reachable at <paramref name="host"/>:<paramref name="port"/>.</summary>
    Task RegisterBrokerAsync(string host, int port, CancellationToken cancellationToken);

    /// <summary>
    /// Changes the dynamic configs of a BROKER resource ("" = every broker's default, or this
    /// node's id), validated as Kafka's DynamicBrokerConfig; refusals are INVALID_REQUEST.
    /// </summary>
    Task<(ErrorCode Error, string? Message)> AlterBrokerConfigsAsync(
        string resourceName, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly, CancellationToken cancellationToken);

    /// <summary>
    /// A partition leader's ISR changes (Kafka's AlterPartition, KIP-497, KIP-903): validated
    /// against the latest state (STALE_BROKER_EPOCH for the request when
    /// <paramref name="brokerId"/>/<paramref name="brokerEpoch"/> is not the registered live
    /// incarnation; per partition UNKNOWN_TOPIC_ID / UNKNOWN_TOPIC_OR_PARTITION, NOT_CONTROLLER for
    /// epochs newer than the controller's, FENCED_LEADER_EPOCH, INVALID_REQUEST when the sender does
    /// not lead it or the ISR is malformed, INVALID_UPDATE_VERSION, INELIGIBLE_REPLICA,
    /// NEW_LEADER_ELECTED when it completed a reassignment that moved leadership), each accepted change committed as one
    /// PartitionChangeRecord, and answered with the partition's committed state. Brokers learn the
    /// change through the image too; the answer is for the leader's bookkeeping (Kafka's
    /// AlterPartitionManager). Only one request per partition should be in flight.
    /// </summary>
    Task<AlterPartitionOutcome> AlterPartitionAsync(int brokerId, long brokerEpoch, IReadOnlyList<AlterPartitionItem> items, CancellationToken cancellationToken);

    /// <summary>
    /// Elects leaders (Kafka's ElectLeaders): <see cref="ElectionType.Preferred"/> moves leadership
    /// to the first replica when it is alive and in the ISR; <see cref="ElectionType.Unclean"/>
    /// elects for leaderless partitions, from the ISR / ELR first and else any live replica.
    /// <paramref name="partitions"/> null means every partition. Answered once the changes commit.
    /// </summary>
    Task<ElectLeadersOutcome> ElectLeadersAsync(ElectionType electionType, IReadOnlyList<TopicPartition>? partitions, CancellationToken cancellationToken);

    /// <summary>
    /// Starts or cancels reassignments (KIP-455): the partition's replicas become old ∪ target,
    /// with the difference recorded as adding / removing replicas; once every target replica is
    /// in the ISR the controller moves leadership if needed and drops the removed replicas.
    /// A null target cancels (back to the original replicas). Answered once the start / cancel
    /// commits. <paramref name="allowReplicationFactorChange"/> false refuses a target of another size (KIP-860).
    /// </summary>
    Task<AlterPartitionReassignmentsOutcome> AlterPartitionReassignmentsAsync(
        IReadOnlyList<PartitionReassignment> reassignments, bool allowReplicationFactorChange, CancellationToken cancellationToken);

    /// <summary>The ongoing reassignments among <paramref name="partitions"/> (null: all), from the controller's latest state.</summary>
    Task<ListPartitionReassignmentsOutcome> ListPartitionReassignmentsAsync(IReadOnlyList<TopicPartition>? partitions, CancellationToken cancellationToken);

    /// <summary>The configs this node runs with: static settings under the image's dynamic broker configs.</summary>
    EffectiveConfigs Configs { get; }

    /// <summary>Every known topic config with its effective value: the topic's override, else the default.</summary>
    IReadOnlyDictionary<string, string> EffectiveTopicConfigs(IReadOnlyDictionary<string, string> dynamicConfigs);
}
