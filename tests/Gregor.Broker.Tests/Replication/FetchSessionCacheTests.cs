using Gregor.Cluster.Partitions;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Tests.Replication;

public sealed class FetchSessionCacheTests
{
    private static readonly FetchPartitionKey Key0 = new(Guid.Empty, "t", 0);
    private static readonly FetchPartitionKey Key1 = new(Guid.Empty, "t", 1);

    private static FetchRequestSpec Request(int sessionId, int epoch, params FetchPartitionSpec[] partitions) =>
        new(0, 0, 1000, 0, partitions, sessionId, epoch);

    [Fact]
    public void FullFetchWithEpochZero_CreatesASession_AndSessionlessFetchDoesNot()
    {
        var cache = new FetchSessionCache();

        var created = cache.Begin(Request(0, 0, new FetchPartitionSpec(Key0, 0, 100)));
        var sessionless = cache.Begin(Request(0, -1, new FetchPartitionSpec(Key0, 0, 100)));

        Assert.NotEqual(0, created.SessionId);
        Assert.Equal(0, sessionless.SessionId);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void IncrementalFetch_ReadsEveryPartitionOfTheSession_WithForgottenOnesRemoved()
    {
        var cache = new FetchSessionCache();
        var id = cache.Begin(Request(0, 0, new FetchPartitionSpec(Key0, 5, 100), new FetchPartitionSpec(Key1, 7, 100))).SessionId;

        var incremental = cache.Begin(Request(id, 1, new FetchPartitionSpec(Key0, 9, 100)) with { Forgotten = [Key1] });

        Assert.True(incremental.IsIncremental);
        var only = Assert.Single(incremental.ToRead);
        Assert.Equal((Key0, 9L), (only.Key, only.FetchOffset));
    }

    [Fact]
    public void IncrementalFetch_WithWrongEpoch_IsRejected_AndUnknownSessionIsNotFound()
    {
        var cache = new FetchSessionCache();
        var id = cache.Begin(Request(0, 0, new FetchPartitionSpec(Key0, 0, 100))).SessionId;

        Assert.Equal(ErrorCode.InvalidFetchSessionEpoch, cache.Begin(Request(id, 2)).Error);
        Assert.Equal(ErrorCode.None, cache.Begin(Request(id, 1)).Error);
        Assert.Equal(ErrorCode.InvalidFetchSessionEpoch, cache.Begin(Request(id, 1)).Error);
        Assert.Equal(ErrorCode.FetchSessionIdNotFound, cache.Begin(Request(id + 1, 1)).Error);
    }

    [Fact]
    public void FinalEpoch_ClosesTheNamedSession()
    {
        var cache = new FetchSessionCache();
        var id = cache.Begin(Request(0, 0, new FetchPartitionSpec(Key0, 0, 100))).SessionId;

        cache.Begin(Request(id, -1));

        Assert.Equal(0, cache.Count);
        Assert.Equal(ErrorCode.FetchSessionIdNotFound, cache.Begin(Request(id, 1)).Error);
    }

    [Fact]
    public void FullCache_WithOnlyBusyEqualSessions_ServesWithoutASession()
    {
        var cache = new FetchSessionCache(maxSessions: 2);
        cache.Begin(Request(0, 0, new FetchPartitionSpec(Key0, 0, 100)));
        cache.Begin(Request(0, 0, new FetchPartitionSpec(Key0, 0, 100)));

        var third = cache.Begin(Request(0, 0, new FetchPartitionSpec(Key0, 0, 100)));

        Assert.Equal(0, third.SessionId);
        Assert.Equal(2, cache.Count);
    }

    [Fact]
    public void FullCache_EvictsASmallerSession_ForABiggerOne()
    {
        var cache = new FetchSessionCache(maxSessions: 1);
        var small = cache.Begin(Request(0, 0, new FetchPartitionSpec(Key0, 0, 100))).SessionId;

        var big = cache.Begin(Request(0, 0, new FetchPartitionSpec(Key0, 0, 100), new FetchPartitionSpec(Key1, 0, 100))).SessionId;

        Assert.NotEqual(0, big);
        Assert.Equal(ErrorCode.FetchSessionIdNotFound, cache.Begin(Request(small, 1)).Error);
    }

    [Fact]
    public void FullCache_EvictsASessionIdleLongerThanTheEvictionAge()
    {
        var cache = new FetchSessionCache(maxSessions: 1, evictionAge: TimeSpan.Zero);
        cache.Begin(Request(0, 0, new FetchPartitionSpec(Key0, 0, 100), new FetchPartitionSpec(Key1, 0, 100)));

        var next = cache.Begin(Request(0, 0, new FetchPartitionSpec(Key0, 0, 100)));

        Assert.NotEqual(0, next.SessionId);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public void TopicIdKeys_MatchByIdWhateverNameWasResolved()
    {
        var id = Guid.NewGuid();

        Assert.Equal(new FetchPartitionKey(id, "t", 0), new FetchPartitionKey(id, null, 0));
        Assert.NotEqual(new FetchPartitionKey(Guid.Empty, "a", 0), new FetchPartitionKey(Guid.Empty, "b", 0));
    }
}
