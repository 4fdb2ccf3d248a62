using System.Collections.Immutable;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;
using Gregor.Protocol.Errors;
using Gregor.Storage;

namespace Gregor.Cluster.Controller;

/// <summary>The controller's mutations: validate against the current image, then commit records.</summary>
public sealed partial class QuorumController
{
    public async Task<CreateTopicOutcome> CreateTopicAsync(CreateTopicSpec spec, bool validateOnly, CancellationToken cancellationToken)
    {
        if (TopicNames.Validate(spec.Name) is { } nameError)
        {
            return CreateTopicOutcome.Failed(ErrorCode.InvalidTopicException, nameError);
        }
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var image = _current;
            if (image.TopicsByName.ContainsKey(spec.Name))
            {
                return CreateTopicOutcome.Failed(ErrorCode.TopicAlreadyExists, $"Topic '{spec.Name}' already exists.");
            }
            if (FindCollision(image, spec.Name) is { } existing)
            {
                return CreateTopicOutcome.Failed(ErrorCode.InvalidTopicException, $"Topic '{spec.Name}' collides with existing topic: {existing}");
            }
            var (assignmentError, assignment) = PlanAssignment(image, spec);
            if (assignmentError is not null)
            {
                return assignmentError;
            }
            var configs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, value) in spec.Configs)
            {
                if (ConfigCatalogue.ValidateTopic(name, value) is { } configError)
                {
                    return CreateTopicOutcome.Failed(ErrorCode.InvalidConfig, configError);
                }
                configs[name] = value!.Trim();
            }
            if ((ValidateWithStorage(configs) ?? _options.TopicConfigValidator?.Invoke(configs)) is { } validatorError)
            {
                return CreateTopicOutcome.Failed(ErrorCode.InvalidConfig, validatorError);
            }
            var replicationFactor = (short)assignment![0].Length;
            var effective = EffectiveTopicConfigs(configs);
            if (validateOnly)
            {
                return new CreateTopicOutcome(ErrorCode.None, null, Guid.Empty, assignment.Length, replicationFactor, effective);
            }
            var topicId = Guid.NewGuid();
            var records = new List<MetadataRecord>(1 + configs.Count + assignment.Length) { new TopicRecord(spec.Name, topicId) };
            foreach (var (name, value) in configs)
            {
                records.Add(new ConfigRecord(ConfigRecord.TopicResource, spec.Name, name, value));
            }
            for (var p = 0; p < assignment.Length; p++)
            {
                records.Add(NewPartition(image, topicId, p, assignment[p]));
            }
            var next = await CommitAsync(records).ConfigureAwait(false);
            LogCommitted("create topic", spec.Name, next.Offset);
            return new CreateTopicOutcome(ErrorCode.None, null, topicId, assignment.Length, replicationFactor, effective);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task<(ErrorCode Error, string? Message)> DeleteTopicAsync(string name, CancellationToken cancellationToken) =>
        DeleteTopicAsync(image => image.Topic(name), ErrorCode.UnknownTopicOrPartition, "This server does not host this topic-partition.", cancellationToken);

    public Task<(ErrorCode Error, string? Message)> DeleteTopicAsync(Guid topicId, CancellationToken cancellationToken) =>
        DeleteTopicAsync(image => image.TopicsById.GetValueOrDefault(topicId), ErrorCode.UnknownTopicId, "This server does not host this topic ID.", cancellationToken);

    private async Task<(ErrorCode Error, string? Message)> DeleteTopicAsync(
        Func<MetadataImage, TopicImage?> find, ErrorCode notFound, string notFoundMessage, CancellationToken cancellationToken)
    {
        if (!_options.DeleteTopicEnable)
        {
            return (ErrorCode.TopicDeletionDisabled, "Topic deletion is disabled.");
        }
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (find(_current) is not { } topic)
            {
                return (notFound, notFoundMessage);
            }
            var next = await CommitAsync([new RemoveTopicRecord(topic.TopicId)]).ConfigureAwait(false);
            LogCommitted("delete topic", topic.Name, next.Offset);
            return (ErrorCode.None, null);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public Task<(ErrorCode Error, string? Message)> CreatePartitionsAsync(string topic, int newTotal, bool validateOnly, CancellationToken cancellationToken) =>
        CreatePartitionsAsync(topic, newTotal, null, validateOnly, cancellationToken);

    /// <summary>Grows a topic to <paramref name="newTotal"/> partitions; <paramref name="assignments"/> gives the new partitions' replicas.</summary>
    public async Task<(ErrorCode Error, string? Message)> CreatePartitionsAsync(
        string topic, int newTotal, IReadOnlyList<int[]>? assignments, bool validateOnly, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var image = _current;
            if (image.Topic(topic) is not { } existing)
            {
                return (ErrorCode.UnknownTopicOrPartition, $"The topic '{topic}' does not exist.");
            }
            var current = existing.Partitions.Count;
            if (newTotal < current)
            {
                return (ErrorCode.InvalidPartitions, $"The topic {topic} currently has {current} partition(s); {newTotal} would not be an increase.");
            }
            if (newTotal == current)
            {
                return (ErrorCode.InvalidPartitions, $"Topic already has {current} partition(s).");
            }
            if (newTotal > _options.MaxPartitionsPerTopic)
            {
                return (ErrorCode.InvalidPartitions, $"The topic {topic} cannot have more than {_options.MaxPartitionsPerTopic} partitions.");
            }
            var added = newTotal - current;
            var replicationFactor = existing.Partitions.Values.Select(p => p.Replicas.Length).DefaultIfEmpty(1).Max();
            int[][] plan;
            if (assignments is not null)
            {
                if (assignments.Count != added)
                {
                    return (ErrorCode.InvalidReplicaAssignment,
                        $"Attempted to add {added} additional partition(s), but only {assignments.Count} assignment(s) were specified.");
                }
                plan = [.. assignments];
                for (var i = 0; i < plan.Length; i++)
                {
                    if (ValidateReplicas(image, current + i, plan[i]) is { } replicaError)
                    {
                        return (ErrorCode.InvalidReplicaAssignment, replicaError);
                    }
                }
            }
            else
            {
                var brokers = UsableBrokers(image);
                if (replicationFactor > brokers.Length)
                {
                    return (ErrorCode.InvalidReplicationFactor, ReplicationFactorMessage(replicationFactor, brokers.Length));
                }
                plan = [.. Enumerable.Range(current, added).Select(p => Place(brokers, p, replicationFactor))];
            }
            if (validateOnly)
            {
                return (ErrorCode.None, null);
            }
            var records = new List<MetadataRecord>(added);
            for (var i = 0; i < added; i++)
            {
                records.Add(NewPartition(image, existing.TopicId, current + i, plan[i]));
            }
            var next = await CommitAsync(records).ConfigureAwait(false);
            LogCommitted("create partitions", topic, next.Offset);
            return (ErrorCode.None, null);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Changes a topic's dynamic configs. Incremental applies SET/DELETE/APPEND/SUBTRACT to the
    /// current overrides; otherwise (legacy AlterConfigs) the changes replace every override.
    /// </summary>
    public async Task<(ErrorCode Error, string? Message)> AlterTopicConfigsAsync(
        string topic, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly, CancellationToken cancellationToken)
    {
        if (changes.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != changes.Count)
        {
            return (ErrorCode.InvalidRequest, $"Error due to duplicate config keys for topic {topic}");
        }
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_current.Topic(topic) is not { } existing)
            {
                return (ErrorCode.UnknownTopicOrPartition, $"The topic '{topic}' does not exist.");
            }
            var (error, message, updated) = ApplyChanges(existing.Configs, changes, incremental);
            if (error != ErrorCode.None)
            {
                return (error, message);
            }
            if ((ValidateWithStorage(updated!) ?? _options.TopicConfigValidator?.Invoke(updated!)) is { } validatorError)
            {
                return (ErrorCode.InvalidConfig, validatorError);
            }
            var records = new List<MetadataRecord>();
            foreach (var (name, value) in updated!)
            {
                if (!existing.Configs.TryGetValue(name, out var old) || old != value)
                {
                    records.Add(new ConfigRecord(ConfigRecord.TopicResource, topic, name, value));
                }
            }
            foreach (var name in existing.Configs.Keys.Where(k => !updated!.ContainsKey(k)).Order(StringComparer.Ordinal))
            {
                records.Add(new ConfigRecord(ConfigRecord.TopicResource, topic, name, null));
            }
            if (validateOnly || records.Count == 0)
            {
                return (ErrorCode.None, null);
            }
            var next = await CommitAsync(records).ConfigureAwait(false);
            LogCommitted("alter configs", topic, next.Offset);
            return (ErrorCode.None, null);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private static (ErrorCode Error, string? Message, Dictionary<string, string>? Updated) ApplyChanges(
        ImmutableDictionary<string, string> current, IReadOnlyList<ConfigChange> changes, bool incremental)
    {
        var updated = incremental
            ? new Dictionary<string, string>(current, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            var definition = ConfigCatalogue.FindTopic(change.Name);
            if (definition is null)
            {
                return (ErrorCode.InvalidConfig, $"Unknown topic config name: {change.Name}", null);
            }
            switch (change.Operation)
            {
                case ConfigOperation.Set:
                    if (ConfigCatalogue.ValidateTopic(change.Name, change.Value) is { } setError)
                    {
                        return (ErrorCode.InvalidConfig, setError, null);
                    }
                    updated[change.Name] = change.Value!.Trim();
                    break;
                case ConfigOperation.Delete:
                    updated.Remove(change.Name);
                    break;
                case ConfigOperation.Append or ConfigOperation.Subtract:
                    if (definition.Type != ConfigType.List)
                    {
                        return (ErrorCode.InvalidConfig,
                            $"Can't {(change.Operation == ConfigOperation.Append ? "APPEND" : "SUBTRACT")} to key {change.Name} because its type is not LIST.", null);
                    }
                    var joined = ConfigCatalogue.ApplyListOperation(
                        updated.GetValueOrDefault(change.Name) ?? definition.Default ?? "", change.Operation, change.Value);
                    if (ConfigCatalogue.ValidateTopic(change.Name, joined) is { } listError)
                    {
                        return (ErrorCode.InvalidConfig, listError, null);
                    }
                    updated[change.Name] = joined;
                    break;
                default:
                    return (ErrorCode.InvalidRequest, $"Unknown config operation {(sbyte)change.Operation} for {change.Name}", null);
            }
        }
        return (ErrorCode.None, null, updated);
    }

    /// <summary>Hands out <paramref name="size"/> producer ids; the block is committed before it is returned, so ids never repeat across restarts.</summary>
    public async Task<long> AllocateProducerIdBlockAsync(int size, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var start = _nextProducerId;
            var brokerEpoch = _brokerEpochs.GetValueOrDefault(_options.NodeId, -1);
            await CommitAsync([new ProducerIdsRecord(_options.NodeId, brokerEpoch, checked(start + size))]).ConfigureAwait(false);
            return start;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>
    /// Re-registers this node when its advertised listener differs from the one in the image
    /// (e.g. the listener was bound to port 0 and the OS picked the port after start). A no-op
    /// when nothing changed, so callers may call it on every request.
    /// </summary>
    private RegisterBrokerRecord Registration(string host, int port, long brokerEpoch) => new(
        _options.NodeId,
        Guid.NewGuid(),
        brokerEpoch,
        [new BrokerEndpoint(_options.ListenerName, host, checked((ushort)port))],
        _options.Rack,
        Fenced: false);

    /// <summary>The storage engine's own reading of the configs (what it will actually apply): its complaint or null.</summary>
    private static string? ValidateWithStorage(IReadOnlyDictionary<string, string> configs)
    {
        try
        {
            LogConfigFactory.FromTopicConfigs(configs, LogConfig.Default);
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    private static string? FindCollision(MetadataImage image, string name)
    {
        if (!TopicNames.HasCollisionChars(name))
        {
            return null;
        }
        var unified = TopicNames.Unify(name);
        return image.TopicsByName.Keys.FirstOrDefault(t => t != name && TopicNames.Unify(t) == unified);
    }

    private (CreateTopicOutcome? Error, int[][]? Assignment) PlanAssignment(MetadataImage image, CreateTopicSpec spec)
    {
        if (spec.Assignments is { Count: > 0 } manual)
        {
            if (spec.NumPartitions != -1 || spec.ReplicationFactor != -1)
            {
                return (CreateTopicOutcome.Failed(ErrorCode.InvalidRequest,
                    "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time."), null);
            }
            if (manual.Count > _options.MaxPartitionsPerTopic)
            {
                return (CreateTopicOutcome.Failed(ErrorCode.InvalidPartitions, $"Topics cannot have more than {_options.MaxPartitionsPerTopic} partitions."), null);
            }
            var plan = new int[manual.Count][];
            for (var p = 0; p < manual.Count; p++)
            {
                if (!manual.TryGetValue(p, out var replicas))
                {
                    return (CreateTopicOutcome.Failed(ErrorCode.InvalidReplicaAssignment,
                        "Partitions should be consecutive and start from 0 in the manual partition assignment."), null);
                }
                if (ValidateReplicas(image, p, replicas) is { } replicaError)
                {
                    return (CreateTopicOutcome.Failed(ErrorCode.InvalidReplicaAssignment, replicaError), null);
                }
                if (replicas.Length != manual[0].Length)
                {
                    return (CreateTopicOutcome.Failed(ErrorCode.InvalidReplicaAssignment,
                        "All partitions in the manual partition assignment must have the same number of replicas."), null);
                }
                plan[p] = replicas;
            }
            return (null, plan);
        }
        var partitions = spec.NumPartitions == -1 ? _options.DefaultNumPartitions : spec.NumPartitions;
        if (partitions <= 0)
        {
            return (CreateTopicOutcome.Failed(ErrorCode.InvalidPartitions, "Number of partitions was set to an invalid non-positive value."), null);
        }
        if (partitions > _options.MaxPartitionsPerTopic)
        {
            return (CreateTopicOutcome.Failed(ErrorCode.InvalidPartitions, $"Topics cannot have more than {_options.MaxPartitionsPerTopic} partitions."), null);
        }
        var replicationFactor = spec.ReplicationFactor == -1 ? _options.DefaultReplicationFactor : spec.ReplicationFactor;
        if (replicationFactor <= 0)
        {
            return (CreateTopicOutcome.Failed(ErrorCode.InvalidReplicationFactor,
                "Replication factor must be larger than 0, or -1 to use the default value."), null);
        }
        var brokers = UsableBrokers(image);
        if (replicationFactor > brokers.Length)
        {
            return (CreateTopicOutcome.Failed(ErrorCode.InvalidReplicationFactor, ReplicationFactorMessage(replicationFactor, brokers.Length)), null);
        }
        return (null, [.. Enumerable.Range(0, partitions).Select(p => Place(brokers, p, replicationFactor))]);
    }

    private static string ReplicationFactorMessage(int replicationFactor, int brokers) =>
        $"Unable to replicate the partition {replicationFactor} time(s): The target replication factor of {replicationFactor} " +
        $"cannot be reached because only {brokers} broker(s) are registered.";

    private static string? ValidateReplicas(MetadataImage image, int partition, int[]? replicas)
    {
        if (replicas is null || replicas.Length == 0)
        {
            return $"The manual partition assignment includes an empty replica list for partition {partition}.";
        }
        if (replicas.Distinct().Count() != replicas.Length)
        {
            return $"The manual partition assignment includes the broker {replicas.GroupBy(r => r).First(g => g.Count() > 1).Key} more than once.";
        }
        if (replicas.FirstOrDefault(r => !image.Brokers.ContainsKey(r), int.MinValue) is var unknown && unknown != int.MinValue)
        {
            return $"The manual partition assignment includes broker {unknown}, but no such broker is registered.";
        }
        return null;
    }

    private static int[] UsableBrokers(MetadataImage image) =>
        [.. image.Brokers.Values.Where(b => !b.Fenced).Select(b => b.NodeId).Order()];

    // Round-robin placement: partition p's replicas start at broker p mod n, spreading leaders.
    private static int[] Place(int[] brokers, int partition, int replicationFactor)
    {
        var replicas = new int[replicationFactor];
        for (var r = 0; r < replicationFactor; r++)
        {
            replicas[r] = brokers[(partition + r) % brokers.Length];
        }
        return replicas;
    }

    private static PartitionRecord NewPartition(MetadataImage image, Guid topicId, int partition, int[] replicas)
    {
        var live = replicas.Where(r => image.Brokers.TryGetValue(r, out var b) && !b.Fenced).ToImmutableArray();
        var leader = live.IsEmpty ? -1 : live[0];
        return new PartitionRecord(partition, topicId, [.. replicas], live.IsEmpty ? [.. replicas] : live, leader, LeaderEpoch: 0, PartitionEpoch: 0);
    }
}
