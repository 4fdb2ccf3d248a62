using Gregor.Protocol;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// A partition this node follows, as the latest metadata image assigns it: whom to fetch from
/// (<see cref="LeaderId"/>, -1 while there is no leader) in which epoch. The replica fetcher
/// manager reconciles its fetchers with the full list after every image.
/// </summary>
public sealed record FollowerAssignment(TopicPartition TopicPartition, Guid TopicId, int LeaderId, int LeaderEpoch, Partition Partition);
