using Gregor.Cluster.Configs;
using Gregor.Cluster.Metadata;
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

    /// <summary>The configs this node runs with: static settings under the image's dynamic broker configs.</summary>
    EffectiveConfigs Configs { get; }

    /// <summary>Every known topic config with its effective value: the topic's override, else the default.</summary>
    IReadOnlyDictionary<string, string> EffectiveTopicConfigs(IReadOnlyDictionary<string, string> dynamicConfigs);
}
