using System.Globalization;
using Gregor.Broker.Admin;
using Gregor.Broker.Config;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Quorum;

/// <summary>
/// The <see cref="IController"/> handlers and components use, whatever the node's place in the
/// cluster: on a cluster of one it is the in-process <see cref="QuorumController"/>; in a quorum
/// it is this node's quorum controller when it is the active one, and otherwise forwards every
/// admin change to the active controller's controller listener (CreateTopics, DeleteTopics,
/// CreatePartitions, AlterConfigs / IncrementalAlterConfigs as a Kafka client would send them;
/// AllocateProducerIds for producer-id blocks, as a Kafka broker does) and relays the answer, retrying
/// NOT_CONTROLLER while leadership moves, so clients never see it. A forward in flight follows
/// the quorum: when this node learns of a new leader it abandons the attempt at once and retries
/// against the new one (as Kafka's controller channel does on a controller change) instead of
/// waiting out <see cref="ForwardTimeout"/>. An abandoned attempt may still commit, so a retried
/// CreateTopics that then meets TOPIC_ALREADY_EXISTS answers success when the existing topic is
/// the one the request asked for (see <see cref="CreatedByThisRequestAsync"/>). The metadata image is the
/// node's metadata loader's (every node replays the log). Subscribers registered before the
/// quorum is open are attached once it is (<see cref="Attach"/>). Thread-safe.
/// </summary>
public sealed class NodeController(BrokerConfig config, QuorumNode quorum, Func<QuorumController> local) : IController
{
    private const int ForwardAttempts = 20;
    private static readonly TimeSpan ForwardTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The listener the current request arrived on (set by the dispatcher). A request on a
    /// controller listener was already forwarded once: it is answered here (NOT_CONTROLLER if this
    /// node is not active) and never forwarded again, so two nodes with stale views cannot bounce
    /// it between them.
    /// </summary>
    public static readonly AsyncLocal<string?> CurrentListener = new();
    private readonly MetadataSubscribers _subscribers = new();
    private IMetadataPublisher? _publisher;
    private IController? _controller;

    /// <summary>Test seam: the link to the active controller instead of the quorum's Raft driver (which also makes the node forward).</summary>
    internal IControllerLink? LinkOverride { get; init; }

    private IControllerLink? Link => LinkOverride ?? quorum.Driver;

    private bool InQuorum => quorum.IsQuorum || LinkOverride is not null;

    /// <summary>Called once the metadata is open: the publisher and (if this node has one) the controller requests go to.</summary>
    public void Attach(IMetadataPublisher publisher, IController? controller)
    {
        _controller = controller;
        _publisher = publisher;
        // The publisher reports a failing subscriber itself: rethrow so it sees the failure.
        publisher.Subscribe((before, after) => _subscribers.Publish(before, after, (ex, _) => System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex)));
    }

    private IController Local => _controller ?? (InQuorum ? throw new InvalidOperationException("no controller on this node") : local());

    /// <summary>
    /// The node's image. In a quorum its controller id is the Raft leader this node knows (-1 while
    /// there is none), not the loader's initial guess, so Metadata and DescribeCluster never name a
    /// controller that was not elected.
    /// </summary>
    public MetadataImage Current
    {
        get
        {
            var image = _publisher?.Current ?? MetadataImage.Empty(config.ClusterId ?? "", config.NodeId);
            if (quorum.Driver is { } driver)
            {
                var leader = driver.Leader.LeaderId ?? -1;
                return image.ControllerId == leader ? image : image with { ControllerId = leader };
            }
            return image;
        }
    }

    public IDisposable Subscribe(Action<MetadataImage, MetadataImage> onPublished) => _subscribers.Add(onPublished);

    public EffectiveConfigs Configs => (_controller ?? local()).Configs;

    public IReadOnlyDictionary<string, string> EffectiveTopicConfigs(IReadOnlyDictionary<string, string> dynamicConfigs) =>
        (_controller ?? local()).EffectiveTopicConfigs(dynamicConfigs);

    private bool OnControllerListener => CurrentListener.Value is { } listener && config.IsControllerListenerName(listener);

    private bool Forwards => InQuorum && !OnControllerListener && (_controller is not QuorumController controller || !controller.Core.IsActive);

    private bool Retries => !OnControllerListener;

    public async Task<CreateTopicOutcome> CreateTopicAsync(CreateTopicSpec spec, bool validateOnly, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        // Whether an earlier attempt reached a controller without a definite answer (no answer, or
        // NOT_CONTROLLER from one that resigned with the records appended): it may have committed.
        var mayHaveCreated = false;
        for (var attempt = 0; ; attempt++)
        {
            CreateTopicOutcome outcome;
            var leader = Link?.LeaderId;
            if (!Forwards)
            {
                outcome = await Local.CreateTopicAsync(spec, validateOnly, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var request = new CreateTopicsRequest
                {
                    timeoutMs = 30_000,
                    validateOnly = validateOnly,
                    Topics = [new CreateTopicsRequest.CreatableTopic
                    {
                        Name = spec.Name,
                        NumPartitions = spec.Assignments is null ? spec.NumPartitions : -1,
                        ReplicationFactor = spec.Assignments is null ? spec.ReplicationFactor : (short)-1,
                        Assignments = spec.Assignments is null ? [] : [.. spec.Assignments.Select(a => new CreateTopicsRequest.CreatableReplicaAssignment { PartitionIndex = a.Key, BrokerIds = [.. a.Value] })],
                        Configs = [.. spec.Configs.Select(c => new CreateTopicsRequest.CreatableTopicConfig { Name = c.Key, Value = c.Value })],
                    }],
                };
                var response = await ForwardAsync(request, 7, cancellationToken).ConfigureAwait(false);
                var result = response is CreateTopicsResponse { Topics: [{ } topic] } ? topic : null;
                outcome = result is null
                    ? CreateTopicOutcome.Failed(ErrorCode.NotController, "the active controller is not reachable")
                    : new CreateTopicOutcome((ErrorCode)result.ErrorCode, result.ErrorMessage, result.TopicId, result.NumPartitions, result.ReplicationFactor,
                        (result.Configs ?? []).Where(c => c.Value is not null).ToDictionary(c => c.Name, c => c.Value!));
            }
            if (outcome.Error == ErrorCode.TopicAlreadyExists && mayHaveCreated && !validateOnly
                && await CreatedByThisRequestAsync(spec, cancellationToken).ConfigureAwait(false) is { } created)
            {
                return created;
            }
            if (outcome.Error != ErrorCode.NotController || attempt >= ForwardAttempts || !Retries)
            {
                return outcome;
            }
            mayHaveCreated |= leader is not null && !validateOnly;
            await BackoffAsync(attempt, leader, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<(ErrorCode Error, string? Message)> DeleteTopicAsync(string name, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            (ErrorCode Error, string? Message) result;
            var leader = Link?.LeaderId;
            if (!Forwards)
            {
                result = await Local.DeleteTopicAsync(name, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var response = await ForwardAsync(new DeleteTopicsRequest { TimeoutMs = 30_000, TopicNames = [name] }, 5, cancellationToken).ConfigureAwait(false);
                result = response is DeleteTopicsResponse { Responses: [{ } deleted] }
                    ? ((ErrorCode)deleted.ErrorCode, deleted.ErrorMessage)
                    : (ErrorCode.NotController, "the active controller is not reachable");
            }
            if (result.Error != ErrorCode.NotController || attempt >= ForwardAttempts || !Retries)
            {
                return result;
            }
            await BackoffAsync(attempt, leader, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task<(ErrorCode Error, string? Message)> DeleteTopicAsync(Guid topicId, CancellationToken cancellationToken) =>
        Current.TopicsById.TryGetValue(topicId, out var topic)
            ? DeleteTopicAsync(topic.Name, cancellationToken)
            : Local.DeleteTopicAsync(topicId, cancellationToken);

    public Task<(ErrorCode Error, string? Message)> CreatePartitionsAsync(string topic, int newTotal, bool validateOnly, CancellationToken cancellationToken) =>
        CreatePartitionsAsync(topic, newTotal, null, validateOnly, cancellationToken);

    public Task<(ErrorCode Error, string? Message)> CreatePartitionsAsync(
        string topic, int newTotal, IReadOnlyList<int[]>? assignments, bool validateOnly, CancellationToken cancellationToken) =>
        WithRetriesAsync(
            () => Local.CreatePartitionsAsync(topic, newTotal, assignments, validateOnly, cancellationToken),
            new CreatePartitionsRequest
            {
                TimeoutMs = 30_000,
                ValidateOnly = validateOnly,
                Topics = [new CreatePartitionsRequest.CreatePartitionsTopic
                {
                    Name = topic,
                    Count = newTotal,
                    Assignments = assignments is null ? null : [.. assignments.Select(a => new CreatePartitionsRequest.CreatePartitionsAssignment { BrokerIds = [.. a] })],
                }],
            },
            3,
            response => response is CreatePartitionsResponse { Results: [{ } result] } ? ((ErrorCode)result.ErrorCode, result.ErrorMessage) : null,
            cancellationToken);

    public Task<(ErrorCode Error, string? Message)> AlterTopicConfigsAsync(
        string topic, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly, CancellationToken cancellationToken) =>
        WithRetriesAsync(
            () => Local.AlterTopicConfigsAsync(topic, changes, incremental, validateOnly, cancellationToken),
            AlterConfigsRequest(ConfigResourceType.Topic, topic, changes, incremental, validateOnly),
            incremental ? (short)1 : (short)2,
            AlterConfigsResult,
            cancellationToken);

    /// <summary>
    /// A broker only alters its own resource (or the cluster default ""), as Kafka's
    /// ConfigAdminManager checks before forwarding; on the controller listener the request was
    /// checked by the broker that forwarded it, so the controller accepts any broker id.
    /// </summary>
    public Task<(ErrorCode Error, string? Message)> AlterBrokerConfigsAsync(
        string resourceName, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly, CancellationToken cancellationToken)
    {
        if (OnControllerListener && _controller is QuorumController controller)
        {
            return controller.AlterAnyBrokerConfigsAsync(resourceName, changes, incremental, validateOnly, cancellationToken);
        }
        if (Forwards && resourceName.Length > 0
            && (!int.TryParse(resourceName, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id) || id != config.NodeId))
        {
            return Task.FromResult<(ErrorCode, string?)>((ErrorCode.InvalidRequest, $"Unexpected broker id, expected {config.NodeId}, but received {resourceName}"));
        }
        return WithRetriesAsync(
            () => Local.AlterBrokerConfigsAsync(resourceName, changes, incremental, validateOnly, cancellationToken),
            AlterConfigsRequest(ConfigResourceType.Broker, resourceName, changes, incremental, validateOnly),
            incremental ? (short)1 : (short)2,
            AlterConfigsResult,
            cancellationToken);
    }

    /// <summary>
    /// A node without the active controller asks it for a block (AllocateProducerIds on the
    /// controller listener, as a Kafka broker's RPCProducerIdManager does), retrying while
    /// leadership moves; a refusal surfaces as the KafkaException the local path throws.
    /// </summary>
    public async Task<long> AllocateProducerIdBlockAsync(int size, CancellationToken cancellationToken)
    {
        // The block travels as its first id in the message slot, so one retry loop serves every request.
        var (error, message) = await WithRetriesAsync(
            async () =>
            {
                try
                {
                    return (ErrorCode.None, (await Local.AllocateProducerIdBlockAsync(size, cancellationToken).ConfigureAwait(false)).ToString(CultureInfo.InvariantCulture));
                }
                catch (KafkaException e)
                {
                    return (e.Error, e.Message);
                }
            },
            new AllocateProducerIdsRequest { BrokerId = config.NodeId, BrokerEpoch = -1 },
            0,
            response => response switch
            {
                AllocateProducerIdsResponse { ErrorCode: 0 } allocated when allocated.ProducerIdLen < size =>
                    (ErrorCode.UnknownServerError, $"The controller handed out {allocated.ProducerIdLen} producer ids, fewer than the {size} asked for"),
                AllocateProducerIdsResponse { ErrorCode: 0 } allocated => (ErrorCode.None, allocated.ProducerIdStart.ToString(CultureInfo.InvariantCulture)),
                AllocateProducerIdsResponse refused => ((ErrorCode)refused.ErrorCode, null),
                _ => null,
            },
            cancellationToken).ConfigureAwait(false);
        return error == ErrorCode.None
            ? long.Parse(message!, CultureInfo.InvariantCulture)
            : throw new KafkaException(error, message ?? error.ToString());
    }

    public Task RegisterBrokerAsync(string host, int port, CancellationToken cancellationToken) =>
        Local.RegisterBrokerAsync(host, port, cancellationToken);

    /// <summary>
    /// A partition leader's ISR change: the active controller decides; other nodes forward it as
    /// AlterPartition v3 on the controller listener, as a Kafka broker's AlterPartitionManager sends it.
    /// </summary>
    public Task<AlterPartitionOutcome> AlterPartitionAsync(int brokerId, long brokerEpoch, IReadOnlyList<AlterPartitionItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var request = new AlterPartitionRequest { BrokerId = brokerId, BrokerEpoch = brokerEpoch };
        var grouped = items.Select((item, index) => (Item: item, Index: index)).GroupBy(x => x.Item.TopicId).ToList();
        foreach (var topic in grouped)
        {
            request.Topics.Add(new AlterPartitionRequest.TopicData
            {
                TopicId = topic.Key,
                Partitions = [.. topic.Select(x => new AlterPartitionRequest.PartitionData
                {
                    PartitionIndex = x.Item.Partition,
                    LeaderEpoch = x.Item.LeaderEpoch,
                    PartitionEpoch = x.Item.PartitionEpoch,
                    LeaderRecoveryState = (sbyte)x.Item.LeaderRecoveryState,
                    NewIsrWithEpochs = [.. x.Item.NewIsr.Select(m => new AlterPartitionRequest.BrokerState { BrokerId = m.BrokerId, BrokerEpoch = m.BrokerEpoch })],
                })],
            });
        }
        // The answer lists the partitions grouped by topic, as sent: position k answers item positions[k].
        var positions = grouped.SelectMany(g => g.Select(x => x.Index)).ToList();
        return ForwardingAsync(
            () => Local.AlterPartitionAsync(brokerId, brokerEpoch, items, cancellationToken),
            request,
            3,
            response => response switch
            {
                AlterPartitionResponse { ErrorCode: not 0 } refused => AlterPartitionOutcome.Failed((ErrorCode)refused.ErrorCode),
                AlterPartitionResponse answered => InItemOrder(answered, positions, items),
                _ => null,
            },
            outcome => outcome.Error,
            AlterPartitionOutcome.Failed(ErrorCode.NotController),
            cancellationToken);
    }

    private static AlterPartitionOutcome? InItemOrder(AlterPartitionResponse response, List<int> positions, IReadOnlyList<AlterPartitionItem> items)
    {
        var answered = response.Topics.SelectMany(t => t.Partitions.Select(p => new AlterPartitionResult(
            t.TopicId, p.PartitionIndex, (ErrorCode)p.ErrorCode, p.LeaderId, p.LeaderEpoch, [.. p.Isr],
            p.LeaderRecoveryState == 1 ? LeaderRecoveryState.Recovering : LeaderRecoveryState.Recovered, p.PartitionEpoch))).ToList();
        if (answered.Count != positions.Count)
        {
            return null; // not an answer to this request
        }
        var results = new AlterPartitionResult[items.Count];
        for (var k = 0; k < answered.Count; k++)
        {
            var item = items[positions[k]];
            if (answered[k].TopicId != item.TopicId || answered[k].Partition != item.Partition)
            {
                return null;
            }
            results[positions[k]] = answered[k];
        }
        return new AlterPartitionOutcome(ErrorCode.None, results);
    }

    public Task<ElectLeadersOutcome> ElectLeadersAsync(ElectionType electionType, IReadOnlyList<TopicPartition>? partitions, CancellationToken cancellationToken) =>
        ForwardingAsync(
            () => Local.ElectLeadersAsync(electionType, partitions, cancellationToken),
            new ElectLeadersRequest
            {
                ElectionType = (sbyte)electionType,
                TopicPartitions = partitions is null
                    ? null
                    : [.. partitions.GroupBy(p => p.Topic, StringComparer.Ordinal).Select(t => new ElectLeadersRequest.TopicPartitionsData { Topic = t.Key, Partitions = [.. t.Select(p => p.Partition)] })],
            },
            2,
            response => response is ElectLeadersResponse answered
                ? new ElectLeadersOutcome((ErrorCode)answered.ErrorCode, null,
                    [.. answered.ReplicaElectionResults.SelectMany(t => t.PartitionResult.Select(p => new ElectLeadersResult(t.Topic, p.PartitionId, (ErrorCode)p.ErrorCode, p.ErrorMessage)))])
                : null,
            outcome => outcome.Error,
            ElectLeadersOutcome.Failed(ErrorCode.NotController, "the active controller is not reachable"),
            cancellationToken);

    public Task<AlterPartitionReassignmentsOutcome> AlterPartitionReassignmentsAsync(
        IReadOnlyList<PartitionReassignment> reassignments, bool allowReplicationFactorChange, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reassignments);
        return ForwardingAsync(
            () => Local.AlterPartitionReassignmentsAsync(reassignments, allowReplicationFactorChange, cancellationToken),
            new AlterPartitionReassignmentsRequest
            {
                AllowReplicationFactorChange = allowReplicationFactorChange,
                Topics = [.. reassignments.GroupBy(r => r.Topic, StringComparer.Ordinal).Select(t => new AlterPartitionReassignmentsRequest.ReassignableTopic
                {
                    Name = t.Key,
                    Partitions = [.. t.Select(r => new AlterPartitionReassignmentsRequest.ReassignablePartition
                    {
                        PartitionIndex = r.Partition,
                        Replicas = r.TargetReplicas is null ? null : [.. r.TargetReplicas],
                    })],
                })],
            },
            1,
            response => response is AlterPartitionReassignmentsResponse answered
                ? new AlterPartitionReassignmentsOutcome((ErrorCode)answered.ErrorCode, answered.ErrorMessage,
                    [.. answered.Responses.SelectMany(t => t.Partitions.Select(p => new ReassignmentResult(t.Name, p.PartitionIndex, (ErrorCode)p.ErrorCode, p.ErrorMessage)))])
                : null,
            outcome => outcome.Error,
            AlterPartitionReassignmentsOutcome.Failed(ErrorCode.NotController, "the active controller is not reachable"),
            cancellationToken);
    }

    public Task<ListPartitionReassignmentsOutcome> ListPartitionReassignmentsAsync(IReadOnlyList<TopicPartition>? partitions, CancellationToken cancellationToken) =>
        ForwardingAsync(
            () => Local.ListPartitionReassignmentsAsync(partitions, cancellationToken),
            new ListPartitionReassignmentsRequest
            {
                Topics = partitions is null
                    ? null
                    : [.. partitions.GroupBy(p => p.Topic, StringComparer.Ordinal).Select(t => new ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics
                    {
                        Name = t.Key,
                        PartitionIndexes = [.. t.Select(p => p.Partition)],
                    })],
            },
            0,
            response => response is ListPartitionReassignmentsResponse answered
                ? new ListPartitionReassignmentsOutcome((ErrorCode)answered.ErrorCode, answered.ErrorMessage,
                    [.. answered.Topics.SelectMany(t => t.Partitions.Select(p => new OngoingReassignment(t.Name, p.PartitionIndex, [.. p.Replicas], [.. p.AddingReplicas], [.. p.RemovingReplicas])))])
                : null,
            outcome => outcome.Error,
            ListPartitionReassignmentsOutcome.Failed(ErrorCode.NotController, "the active controller is not reachable"),
            cancellationToken);

    /// <summary>
    /// <see cref="WithRetriesAsync"/> for requests whose answer is more than an error and a
    /// message: runs <paramref name="local"/> on the active controller, else forwards
    /// <paramref name="request"/>; NOT_CONTROLLER is retried with backoff (not on the controller listener).
    /// </summary>
    private async Task<T> ForwardingAsync<T>(
        Func<Task<T>> local,
        IRequestMessage request,
        short version,
        Func<IResponseMessage?, T?> readResponse,
        Func<T, ErrorCode> errorOf,
        T unreachable,
        CancellationToken cancellationToken)
        where T : class
    {
        for (var attempt = 0; ; attempt++)
        {
            var leader = Link?.LeaderId;
            var result = !Forwards
                ? await local().ConfigureAwait(false)
                : readResponse(await ForwardAsync(request, version, cancellationToken).ConfigureAwait(false)) ?? unreachable;
            if (errorOf(result) != ErrorCode.NotController || attempt >= ForwardAttempts || !Retries)
            {
                return result;
            }
            await BackoffAsync(attempt, leader, cancellationToken).ConfigureAwait(false);
        }
    }

    private static IRequestMessage AlterConfigsRequest(
        ConfigResourceType type, string name, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly) =>
        incremental
            ? new IncrementalAlterConfigsRequest
            {
                ValidateOnly = validateOnly,
                Resources = [new IncrementalAlterConfigsRequest.AlterConfigsResource
                {
                    ResourceType = (sbyte)type,
                    ResourceName = name,
                    Configs = [.. changes.Select(c => new IncrementalAlterConfigsRequest.AlterableConfig { Name = c.Name, ConfigOperation = (sbyte)c.Operation, Value = c.Value })],
                }],
            }
            : new AlterConfigsRequest
            {
                ValidateOnly = validateOnly,
                Resources = [new AlterConfigsRequest.AlterConfigsResource
                {
                    ResourceType = (sbyte)type,
                    ResourceName = name,
                    Configs = [.. changes.Select(c => new AlterConfigsRequest.AlterableConfig { Name = c.Name, Value = c.Value })],
                }],
            };

    private static (ErrorCode, string?)? AlterConfigsResult(IResponseMessage? response) => response switch
    {
        IncrementalAlterConfigsResponse { Responses: [{ } result] } => ((ErrorCode)result.ErrorCode, result.ErrorMessage),
        AlterConfigsResponse { Responses: [{ } result] } => ((ErrorCode)result.ErrorCode, result.ErrorMessage),
        _ => null,
    };

    /// <summary>
    /// Runs <paramref name="local"/> when this node's controller is active, else forwards
    /// <paramref name="request"/> to the active controller; NOT_CONTROLLER (or no reachable
    /// controller) is retried with backoff, except on the controller listener, where the
    /// forwarding broker retries.
    /// </summary>
    private async Task<(ErrorCode Error, string? Message)> WithRetriesAsync(
        Func<Task<(ErrorCode Error, string? Message)>> local,
        IRequestMessage request,
        short version,
        Func<IResponseMessage?, (ErrorCode Error, string? Message)?> readResponse,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            (ErrorCode Error, string? Message) result;
            var leader = Link?.LeaderId;
            if (!Forwards)
            {
                result = await local().ConfigureAwait(false);
            }
            else
            {
                var response = await ForwardAsync(request, version, cancellationToken).ConfigureAwait(false);
                result = readResponse(response) ?? (ErrorCode.NotController, "the active controller is not reachable");
            }
            if (result.Error != ErrorCode.NotController || attempt >= ForwardAttempts || !Retries)
            {
                return result;
            }
            await BackoffAsync(attempt, leader, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits before retrying an attempt made while <paramref name="leader"/> led: the backoff, cut
    /// short when the quorum names another leader (a retry to the same one would fail the same way).
    /// </summary>
    private async Task BackoffAsync(int attempt, int? leader, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100 + (attempt * 50));
        if (!Forwards || Link is not { } link)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            return;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var moved = link.LeaderChangedAsync(leader, stop.Token);
        await Task.WhenAny(moved, Task.Delay(delay, stop.Token)).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// After an attempt whose outcome is unknown, the topic exists: it is this request's own if it
    /// matches what was asked (the same assignments, or partition count and replication factor
    /// where given, and exactly the configs given). Kafka's forwarding has the same ambiguity and
    /// leaks TOPIC_ALREADY_EXISTS; the trade-off here is that a client racing another one creating
    /// an identical topic in the same failover may be told it created it. Waits (bounded) for the
    /// committed topic to reach this node's image; null when it does not match or does not arrive.
    /// </summary>
    private async Task<CreateTopicOutcome?> CreatedByThisRequestAsync(CreateTopicSpec spec, CancellationToken cancellationToken)
    {
        var arrived = new TaskCompletionSource<TopicImage>(TaskCreationOptions.RunContinuationsAsynchronously);
        using (Subscribe((_, after) =>
        {
            if (after.Topic(spec.Name) is { } published)
            {
                arrived.TrySetResult(published);
            }
        }))
        {
            if (Current.Topic(spec.Name) is { } known)
            {
                arrived.TrySetResult(known);
            }
            TopicImage topic;
            try
            {
                topic = await arrived.Task.WaitAsync(ForwardTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return null;
            }
            var partitions = topic.Partitions.Values.OrderBy(p => p.Partition).ToList();
            var replication = partitions.Count > 0 ? partitions[0].Replicas.Length : 0;
            var matches = spec.Assignments is { } assignments
                ? assignments.Count == partitions.Count && partitions.All(p => assignments.TryGetValue(p.Partition, out var replicas) && replicas.SequenceEqual(p.Replicas))
                : (spec.NumPartitions <= 0 || spec.NumPartitions == partitions.Count)
                    && (spec.ReplicationFactor <= 0 || partitions.All(p => p.Replicas.Length == spec.ReplicationFactor));
            var given = spec.Configs.Where(c => c.Value is not null).ToDictionary(c => c.Key, c => c.Value!.Trim(), StringComparer.Ordinal);
            matches &= given.Count == topic.Configs.Count && given.All(c => topic.Configs.TryGetValue(c.Key, out var value) && value == c.Value);
            return matches
                ? new CreateTopicOutcome(ErrorCode.None, null, topic.TopicId, partitions.Count, (short)replication, EffectiveTopicConfigs(topic.Configs))
                : null;
        }
    }

    /// <summary>
    /// Sends <paramref name="request"/> to the active controller's controller listener; null when
    /// no controller is known or reachable, or when the quorum names a new leader while the
    /// request is in flight (the caller retries against it; the abandoned attempt's outcome is unknown).
    /// </summary>
    private async Task<IResponseMessage?> ForwardAsync(IRequestMessage request, short version, CancellationToken cancellationToken)
    {
        if (Link is not { } link || link.LeaderId is not { } leader)
        {
            return null;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ForwardTimeout);
        var send = link.SendAsync(leader, request, version, timeout.Token);
        var moved = link.LeaderChangedAsync(leader, timeout.Token);
        try
        {
            if (await Task.WhenAny(send, moved).ConfigureAwait(false) != send)
            {
                // The quorum moved on: this attempt is abandoned (and its late failure observed).
                _ = send.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                return null;
            }
            return await send.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
        finally
        {
            await timeout.CancelAsync().ConfigureAwait(false);
        }
    }
}
