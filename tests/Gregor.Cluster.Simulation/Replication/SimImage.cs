using System.Collections.Immutable;
using Gregor.Cluster.Metadata;

namespace Gregor.Cluster.Simulation.Replication;

/// <summary>What the simulated controller publishes to brokers: registered brokers and every partition, at a version.</summary>
public sealed record SimImage(long Version, ImmutableDictionary<int, BrokerImage> Brokers, ImmutableArray<PartitionImage> Partitions);
