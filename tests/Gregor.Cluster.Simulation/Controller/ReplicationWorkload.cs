using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// The replication traffic of the controller simulation: nodes that believe they lead a
/// partition (from their own, possibly stale, image) send AlterPartition over the simulated
/// network — shrinking the ISR, or adding a replica, half the time one their image shows
/// unfenced and half the time any replica (a leader that wrongly thinks a follower caught up:
/// the controller must refuse fenced, shutting-down and stale-epoch replicas) — and an admin
/// occasionally asks for preferred elections and starts or cancels reassignments. Every answer
/// must carry one of Kafka's expected error codes.
/// </summary>
public sealed class ReplicationWorkload(SimCluster cluster)
{
    private const int RpcCode = 40;

    private static readonly HashSet<ErrorCode> Expected =
    [
        ErrorCode.None, ErrorCode.NotController, ErrorCode.StaleBrokerEpoch, ErrorCode.UnknownTopicId, ErrorCode.UnknownTopicOrPartition,
        ErrorCode.FencedLeaderEpoch, ErrorCode.InvalidRequest, ErrorCode.InvalidUpdateVersion, ErrorCode.IneligibleReplica,
        ErrorCode.NewLeaderElected, ErrorCode.ElectionNotNeeded, ErrorCode.PreferredLeaderNotAvailable, ErrorCode.EligibleLeadersNotAvailable,
        ErrorCode.InvalidReplicaAssignment, ErrorCode.NoReassignmentInProgress,
    ];

    public int IsrChangesAccepted { get; private set; }

    public int IsrChangesRefused { get; private set; }

    public int Elections { get; private set; }

    public int Reassignments { get; private set; }

    public void Start() => cluster.Scheduler.After(300, Step);

    private void Step()
    {
        var random = cluster.Random;
        var node = cluster.Nodes[random.Next(cluster.Nodes.Count)];
        var roll = random.Next(100);
        if (node.IsUp && node.Components.OfType<MetadataSimNode>().FirstOrDefault() is { } metadata)
        {
            var image = metadata.Loader.Current;
            if (roll < 80)
            {
                ProposeIsrChange(node, image, random);
            }
            else if (roll < 88)
            {
                Admin(node, controller => controller.ElectLeaders(ElectionType.Preferred, null, outcome =>
                {
                    Observe(node, outcome.Error, "elect leaders");
                    foreach (var result in outcome.Partitions)
                    {
                        Observe(node, result.Error, $"elect {result.Topic}-{result.Partition}");
                        Elections += result.Error == ErrorCode.None ? 1 : 0;
                    }
                }));
            }
            else if (image.TopicsByName.Count > 0 && image.Brokers.Count > 0)
            {
                var topic = image.TopicsByName.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ElementAt(random.Next(image.TopicsByName.Count));
                var partition = random.Next(Math.Max(1, topic.Partitions.Count));
                var brokers = image.Brokers.Keys.Order().ToList();
                int[]? target = roll < 96
                    ? [.. brokers.OrderBy(_ => random.Next()).Take(1 + random.Next(Math.Min(3, brokers.Count)))]
                    : null; // cancel
                Admin(node, controller => controller.AlterPartitionReassignments([new PartitionReassignment(topic.Name, partition, target)], true, outcome =>
                {
                    Observe(node, outcome.Error, "reassign");
                    foreach (var result in outcome.Partitions)
                    {
                        Observe(node, result.Error, $"reassign {result.Topic}-{result.Partition}");
                        Reassignments += result.Error == ErrorCode.None ? 1 : 0;
                    }
                }));
            }
        }
        cluster.Scheduler.After(50 + random.Next(300), Step);
    }

    private void ProposeIsrChange(SimNode node, MetadataImage image, Random random)
    {
        if (!image.Brokers.TryGetValue(node.NodeId, out var self))
        {
            return;
        }
        var led = image.TopicsByName.Values.OrderBy(t => t.Name, StringComparer.Ordinal)
            .SelectMany(t => t.Partitions.Values.OrderBy(p => p.Partition).Select(p => (Topic: t, Partition: p)))
            .Where(x => x.Partition.Leader == node.NodeId)
            .ToList();
        if (led.Count == 0)
        {
            return;
        }
        var (topic, partition) = led[random.Next(led.Count)];
        var isr = partition.Isr.ToList();
        var outside = partition.Replicas.Where(r => !isr.Contains(r)).ToList();
        var followers = isr.Where(r => r != node.NodeId).ToList();
        if (random.Next(2) == 0 && followers.Count > 0)
        {
            isr.Remove(followers[random.Next(followers.Count)]);
        }
        else if (outside.Count > 0)
        {
            var candidates = random.Next(2) == 0
                ? outside.Where(r => image.Brokers.TryGetValue(r, out var b) && !b.Fenced && !b.InControlledShutdown).ToList()
                : outside;
            if (candidates.Count == 0)
            {
                return;
            }
            isr.Add(candidates[random.Next(candidates.Count)]);
        }
        else
        {
            return;
        }
        var members = isr.Select(r => new IsrMember(r, image.Brokers.TryGetValue(r, out var b) ? b.Epoch : -1)).ToList();
        var item = new AlterPartitionItem(topic.TopicId, partition.Partition, partition.LeaderEpoch, partition.PartitionEpoch, members);
        Admin(node, controller => controller.AlterPartition(node.NodeId, self.Epoch, [item], outcome =>
        {
            Observe(node, outcome.Error, "alter partition");
            foreach (var result in outcome.Partitions)
            {
                Observe(node, result.Error, $"alter partition {topic.Name}-{result.Partition}");
                if (result.Error == ErrorCode.None)
                {
                    IsrChangesAccepted++;
                }
                else
                {
                    IsrChangesRefused++;
                }
            }
        }));
    }

    /// <summary>Sends a request to whoever <paramref name="node"/> believes is the controller; the answer is not delivered back (only checked).</summary>
    private void Admin(SimNode node, Action<Gregor.Cluster.Controller.Core.ControllerCore> request)
    {
        if (node.Raft?.LeaderAndEpoch.LeaderId is not { } leader)
        {
            return;
        }
        var incarnation = node.Incarnation;
        cluster.Network.Send(node, incarnation, leader, RpcCode, _ =>
        {
            var target = cluster.Nodes[leader];
            if (target.IsUp && target.Components.OfType<MetadataSimNode>().FirstOrDefault() is { Controller: { } controller })
            {
                request(controller);
            }
        });
    }

    private void Observe(SimNode node, ErrorCode error, string what)
    {
        if (!Expected.Contains(error))
        {
            cluster.Violation($"node {node.NodeId}: {what} answered {error}");
        }
    }
}
