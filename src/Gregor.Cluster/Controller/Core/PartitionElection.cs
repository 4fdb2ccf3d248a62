namespace Gregor.Cluster.Controller.Core;

/// <summary>How <see cref="PartitionChangeBuilder"/> elects a leader (Kafka's PartitionChangeBuilder.Election).</summary>
internal enum PartitionElection
{
    /// <summary>Keep the partition online from the ISR (or ELR), preferring the current leader.</summary>
    Online,

    /// <summary>Make the preferred (first) replica leader when it is a valid leader.</summary>
    Preferred,

    /// <summary>As <see cref="Online"/>, then any live replica when no clean leader exists (may lose data).</summary>
    Unclean,
}
