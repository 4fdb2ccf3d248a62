using System.Collections.Immutable;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;
using Gregor.Protocol.Errors;
using Gregor.Storage;

namespace Gregor.Cluster.Controller.Core;

/// <summary>Topic operations: validated against the latest state with Kafka's rules and error codes.</summary>
public sealed partial class ControllerCore
{
    public void CreateTopic(CreateTopicSpec spec, bool validateOnly, Action<CreateTopicOutcome> reply) =>
        Write(reply, CreateTopicOutcome.Failed, () => CreateTopicRecords(spec, validateOnly));

    private (IReadOnlyList<MetadataRecord>, CreateTopicOutcome) CreateTopicRecords(CreateTopicSpec spec, bool validateOnly)
    {
        if (TopicNames.Validate(spec.Name) is { } nameError)
        {
            return Reply(CreateTopicOutcome.Failed(ErrorCode.InvalidTopicException, nameError));
        }
        var image = _latest;
        if (image.TopicsByName.ContainsKey(spec.Name))
        {
            return Reply(CreateTopicOutcome.Failed(ErrorCode.TopicAlreadyExists, $"Topic '{spec.Name}' already exists."));
        }
        if (FindCollision(image, spec.Name) is { } existing)
        {
            return Reply(CreateTopicOutcome.Failed(ErrorCode.InvalidTopicException, $"Topic '{spec.Name}' collides with existing topic: {existing}"));
        }
        var (assignmentError, assignment) = PlanAssignment(image, spec);
        if (assignmentError is not null)
        {
            return Reply(assignmentError);
        }
        var configs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in spec.Configs)
        {
            if (ConfigCatalogue.ValidateTopic(name, value) is { } configError)
            {
                return Reply(CreateTopicOutcome.Failed(ErrorCode.InvalidConfig, configError));
            }
            configs[name] = value!.Trim();
        }
        if ((ValidateWithStorage(configs) ?? _options.TopicConfigValidator?.Invoke(configs)) is { } validatorError)
        {
            return Reply(CreateTopicOutcome.Failed(ErrorCode.InvalidConfig, validatorError));
        }
        var replicationFactor = (short)assignment![0].Length;
        var effective = Configs.TopicConfigs(image, configs);
        if (validateOnly)
        {
            return Reply(new CreateTopicOutcome(ErrorCode.None, null, Guid.Empty, assignment.Length, replicationFactor, effective));
        }
        var topicId = NewUuid();
        var records = new List<MetadataRecord>(1 + configs.Count + assignment.Length) { new TopicRecord(spec.Name, topicId) };
        foreach (var (name, value) in configs.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            records.Add(new ConfigRecord(ConfigRecord.TopicResource, spec.Name, name, value));
        }
        for (var p = 0; p < assignment.Length; p++)
        {
            records.Add(NewPartition(image, topicId, p, assignment[p]));
        }
        return (records, new CreateTopicOutcome(ErrorCode.None, null, topicId, assignment.Length, replicationFactor, effective));
    }

    public void DeleteTopic(string name, Action<(ErrorCode Error, string? Message)> reply) =>
        DeleteTopic(image => image.Topic(name), ErrorCode.UnknownTopicOrPartition, "This server does not host this topic-partition.", reply);

    public void DeleteTopic(Guid topicId, Action<(ErrorCode Error, string? Message)> reply) =>
        DeleteTopic(image => image.TopicsById.GetValueOrDefault(topicId), ErrorCode.UnknownTopicId, "This server does not host this topic ID.", reply);

    private void DeleteTopic(Func<MetadataImage, TopicImage?> find, ErrorCode notFound, string notFoundMessage, Action<(ErrorCode Error, string? Message)> reply) =>
        Write(reply, Failed, () =>
        {
            if (!_options.DeleteTopicEnable)
            {
                return Reply<(ErrorCode, string?)>((ErrorCode.TopicDeletionDisabled, "Topic deletion is disabled."));
            }
            if (find(_latest) is not { } topic)
            {
                return Reply<(ErrorCode, string?)>((notFound, notFoundMessage));
            }
            return ([new RemoveTopicRecord(topic.TopicId)], (ErrorCode.None, null));
        });

    private static (ErrorCode Error, string? Message) Failed(ErrorCode error, string message) => (error, message);

    /// <summary>Grows a topic to <paramref name="newTotal"/> partitions; <paramref name="assignments"/> gives the new partitions' replicas.</summary>
    public void CreatePartitions(string topic, int newTotal, IReadOnlyList<int[]>? assignments, bool validateOnly, Action<(ErrorCode Error, string? Message)> reply) =>
        Write(reply, Failed, () => CreatePartitionsRecords(topic, newTotal, assignments, validateOnly));

    private (IReadOnlyList<MetadataRecord>, (ErrorCode, string?)) CreatePartitionsRecords(string topic, int newTotal, IReadOnlyList<int[]>? assignments, bool validateOnly)
    {
        var image = _latest;
        if (image.Topic(topic) is not { } existing)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.UnknownTopicOrPartition, $"The topic '{topic}' does not exist."));
        }
        var current = existing.Partitions.Count;
        if (newTotal < current)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.InvalidPartitions, $"The topic {topic} currently has {current} partition(s); {newTotal} would not be an increase."));
        }
        if (newTotal == current)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.InvalidPartitions, $"Topic already has {current} partition(s)."));
        }
        if (newTotal > _options.MaxPartitionsPerTopic)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.InvalidPartitions, $"The topic {topic} cannot have more than {_options.MaxPartitionsPerTopic} partitions."));
        }
        var added = newTotal - current;
        var replicationFactor = existing.Partitions.Values.Select(p => p.Replicas.Length).DefaultIfEmpty(1).Max();
        int[][] plan;
        if (assignments is not null)
        {
            if (assignments.Count != added)
            {
                return Reply<(ErrorCode, string?)>((ErrorCode.InvalidReplicaAssignment,
                    $"Attempted to add {added} additional partition(s), but only {assignments.Count} assignment(s) were specified."));
            }
            plan = [.. assignments];
            for (var i = 0; i < plan.Length; i++)
            {
                if (ValidateReplicas(image, current + i, plan[i]) is { } replicaError)
                {
                    return Reply<(ErrorCode, string?)>((ErrorCode.InvalidReplicaAssignment, replicaError));
                }
            }
        }
        else
        {
            var placer = NewPlacer(image);
            plan = new int[added][];
            for (var i = 0; i < added; i++)
            {
                var (error, message, replicas) = placer.Place(replicationFactor);
                if (error != ErrorCode.None)
                {
                    return Reply<(ErrorCode, string?)>((error, message));
                }
                plan[i] = replicas!;
            }
        }
        if (validateOnly)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.None, null));
        }
        var records = new List<MetadataRecord>(added);
        for (var i = 0; i < added; i++)
        {
            records.Add(NewPartition(image, existing.TopicId, current + i, plan[i]));
        }
        return (records, (ErrorCode.None, null));
    }

    /// <summary>
    /// Changes a topic's dynamic configs. Incremental applies SET/DELETE/APPEND/SUBTRACT to the
    /// current overrides; otherwise (legacy AlterConfigs) the changes replace every override.
    /// </summary>
    public void AlterTopicConfigs(string topic, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly, Action<(ErrorCode Error, string? Message)> reply) =>
        Write(reply, Failed, () => AlterTopicConfigRecords(topic, changes, incremental, validateOnly));

    private (IReadOnlyList<MetadataRecord>, (ErrorCode, string?)) AlterTopicConfigRecords(string topic, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly)
    {
        if (changes.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != changes.Count)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.InvalidRequest, $"Error due to duplicate config keys for topic {topic}"));
        }
        if (_latest.Topic(topic) is not { } existing)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.UnknownTopicOrPartition, $"The topic '{topic}' does not exist."));
        }
        var (error, message, updated) = ApplyTopicChanges(existing.Configs, changes, incremental);
        if (error != ErrorCode.None)
        {
            return Reply<(ErrorCode, string?)>((error, message));
        }
        if ((ValidateWithStorage(updated!) ?? _options.TopicConfigValidator?.Invoke(updated!)) is { } validatorError)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.InvalidConfig, validatorError));
        }
        var records = new List<MetadataRecord>();
        foreach (var (name, value) in updated!.OrderBy(c => c.Key, StringComparer.Ordinal))
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
        return validateOnly ? Reply<(ErrorCode, string?)>((ErrorCode.None, null)) : (records, (ErrorCode.None, null));
    }

    private static (ErrorCode Error, string? Message, Dictionary<string, string>? Updated) ApplyTopicChanges(
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
        var placer = NewPlacer(image);
        var assignment = new int[partitions][];
        for (var p = 0; p < partitions; p++)
        {
            var (error, message, replicas) = placer.Place(replicationFactor);
            if (error != ErrorCode.None)
            {
                return (CreateTopicOutcome.Failed(error, message!), null);
            }
            assignment[p] = replicas!;
        }
        return (null, assignment);
    }

    /// <summary>Replicas go on unfenced brokers that are not shutting down (Kafka's usable brokers).</summary>
    private StripedReplicaPlacer NewPlacer(MetadataImage image) => new(
        image.Brokers.Values.Where(b => !b.Fenced && !b.InControlledShutdown).Select(b => new UsableBroker(b.NodeId, b.Rack)),
        _random);

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

    private static PartitionRecord NewPartition(MetadataImage image, Guid topicId, int partition, int[] replicas)
    {
        var live = replicas.Where(r => image.Brokers.TryGetValue(r, out var b) && !b.Fenced).ToImmutableArray();
        var leader = live.IsEmpty ? -1 : live[0];
        var record = new PartitionRecord(partition, topicId, [.. replicas], live.IsEmpty ? [.. replicas] : live, leader, LeaderEpoch: 0, PartitionEpoch: 0);
        return image.EligibleLeaderReplicasEnabled ? record with { RecordVersion = 2, EligibleLeaderReplicas = [], LastKnownElr = [] } : record;
    }
}
