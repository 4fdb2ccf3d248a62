using Gregor.Protocol;

namespace Gregor.Cluster.Controller.Core;

/// <summary>
/// Partition replication on the controller (Kafka's ReplicationControlManager): ISR changes from
/// leaders (AlterPartition), leader elections, reassignments.
/// </summary>
public sealed partial class ControllerCore
{
    /// <summary>See <see cref="IController.AlterPartitionAsync"/>.</summary>
    public void AlterPartition(int brokerId, long brokerEpoch, IReadOnlyList<AlterPartitionItem> items, Action<AlterPartitionOutcome> reply) =>
        throw new NotImplementedException();

    /// <summary>See <see cref="IController.ElectLeadersAsync"/>.</summary>
    public void ElectLeaders(ElectionType electionType, IReadOnlyList<TopicPartition>? partitions, Action<ElectLeadersOutcome> reply) =>
        throw new NotImplementedException();

    /// <summary>See <see cref="IController.AlterPartitionReassignmentsAsync"/>.</summary>
    public void AlterPartitionReassignments(IReadOnlyList<PartitionReassignment> reassignments, bool allowReplicationFactorChange,
        Action<AlterPartitionReassignmentsOutcome> reply) =>
        throw new NotImplementedException();

    /// <summary>See <see cref="IController.ListPartitionReassignmentsAsync"/>.</summary>
    public void ListPartitionReassignments(IReadOnlyList<TopicPartition>? partitions, Action<ListPartitionReassignmentsOutcome> reply) =>
        throw new NotImplementedException();
}
