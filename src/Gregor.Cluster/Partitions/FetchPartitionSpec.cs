namespace Gregor.Cluster.Partitions;

/// <summary>One partition of a fetch request: where to read and how much; a follower also says the epoch of the last batch it has.</summary>
public readonly record struct FetchPartitionSpec(
    FetchPartitionKey Key,
    long FetchOffset,
    int MaxBytes,
    int CurrentLeaderEpoch = -1,
    long LogStartOffset = -1,
    int LastFetchedEpoch = -1);
