using Gregor.Cluster.Replication;

namespace Gregor.Cluster.Tests.Replication;

public sealed class LeaderEpochCacheTests
{
    private static LeaderEpochCache Cache(params (int Epoch, long Start)[] entries) =>
        new(entries.Select(e => new EpochEntry(e.Epoch, e.Start)));

    [Fact]
    public void Assign_NewerEpoch_AppendsAndBumpsVersion()
    {
        var cache = Cache((0, 0));
        var version = cache.Version;

        Assert.True(cache.Assign(2, 10));

        Assert.Equal([new EpochEntry(0, 0), new EpochEntry(2, 10)], cache.Entries);
        Assert.Equal(2, cache.LatestEpoch);
        Assert.True(cache.Version > version);
    }

    [Fact]
    public void Assign_SameEpochAtALaterOffset_ChangesNothing()
    {
        var cache = Cache((0, 0), (2, 10));
        var version = cache.Version;

        Assert.False(cache.Assign(2, 15));

        Assert.Equal([new EpochEntry(0, 0), new EpochEntry(2, 10)], cache.Entries);
        Assert.Equal(version, cache.Version);
    }

    [Fact]
    public void Assign_SameEpochAtAnEarlierOffset_MovesItsStart()
    {
        var cache = Cache((0, 0), (2, 10));

        Assert.True(cache.Assign(2, 7));

        Assert.Equal([new EpochEntry(0, 0), new EpochEntry(2, 7)], cache.Entries);
    }

    [Fact]
    public void Assign_OlderEpoch_RemovesTheNewerOnesAsKafkaDoes()
    {
        var cache = Cache((0, 0), (2, 10), (4, 20));

        Assert.True(cache.Assign(3, 25));

        Assert.Equal([new EpochEntry(0, 0), new EpochEntry(2, 10), new EpochEntry(3, 25)], cache.Entries);
    }

    [Fact]
    public void Assign_NewerEpochBelowExistingStarts_RemovesThoseEntries()
    {
        var cache = Cache((0, 0), (2, 10), (4, 20));

        cache.Assign(5, 15);

        Assert.Equal([new EpochEntry(0, 0), new EpochEntry(2, 10), new EpochEntry(5, 15)], cache.Entries);
    }

    [Fact]
    public void Constructor_DropsNonMonotonicEntries()
    {
        var cache = Cache((1, 0), (3, 10), (2, 20));

        Assert.Equal([new EpochEntry(1, 0), new EpochEntry(2, 20)], cache.Entries);
    }

    [Theory]
    [InlineData(-1, -1, -1)]   // undefined epoch
    [InlineData(5, 5, 40)]     // the latest epoch ends at the log end
    [InlineData(7, -1, -1)]    // newer than any known epoch
    [InlineData(3, 3, 30)]     // ends where the next epoch starts
    [InlineData(4, 3, 30)]     // unknown epoch between 3 and 5: the floor epoch 3
    [InlineData(1, 1, 20)]     // the first epoch
    [InlineData(0, 0, 10)]     // older than all history: the first epoch's start
    public void EndOffsetFor_AnswersAsKafkasLeaderEpochFileCache(int requested, int epoch, long endOffset)
    {
        var cache = Cache((1, 10), (3, 20), (5, 30));

        Assert.Equal(new EpochEndOffset(epoch, endOffset), cache.EndOffsetFor(requested, 40));
    }

    [Fact]
    public void EndOffsetFor_EmptyHistory_IsUndefined()
    {
        Assert.True(new LeaderEpochCache().EndOffsetFor(3, 40).IsUndefined);
    }

    [Fact]
    public void TruncateFromEnd_RemovesEpochsStartingAtOrAfterTheNewEnd()
    {
        var cache = Cache((1, 10), (3, 20), (5, 30));

        Assert.True(cache.TruncateFromEnd(20));
        Assert.False(cache.TruncateFromEnd(25));

        Assert.Equal([new EpochEntry(1, 10)], cache.Entries);
    }

    [Fact]
    public void TruncateFromStart_KeepsTheEpochCoveringTheNewStart()
    {
        var cache = Cache((1, 10), (3, 20), (5, 30));

        Assert.True(cache.TruncateFromStart(25));

        Assert.Equal([new EpochEntry(3, 25), new EpochEntry(5, 30)], cache.Entries);
        Assert.False(cache.TruncateFromStart(5));
    }

    [Fact]
    public void CheckFollowerFetch_SameHistory_IsConsistent()
    {
        var leader = Cache((1, 0), (3, 20));

        Assert.Equal(FetchEpochCheckKind.Consistent, leader.CheckFollowerFetch(lastFetchedEpoch: 1, fetchOffset: 20, logStartOffset: 0, logEndOffset: 40).Kind);
        Assert.Equal(FetchEpochCheckKind.Consistent, leader.CheckFollowerFetch(3, 35, 0, 40).Kind);
    }

    [Fact]
    public void CheckFollowerFetch_FollowerWroteMoreInAnEpochThanTheLeaderKept_Diverges()
    {
        // Epoch 1 ended at 20 on the leader; the follower has epoch-1 data up to 25.
        var leader = Cache((1, 0), (3, 20));

        var check = leader.CheckFollowerFetch(1, 25, 0, 40);

        Assert.Equal(FetchEpochCheckKind.Diverging, check.Kind);
        Assert.Equal(new EpochEndOffset(1, 20), check.DivergingEpoch);
    }

    [Fact]
    public void CheckFollowerFetch_FollowerHasAnEpochTheLeaderNeverHad_DivergesAtTheFloorEpoch()
    {
        var leader = Cache((1, 0), (3, 20));

        var check = leader.CheckFollowerFetch(2, 18, 0, 40);

        Assert.Equal(FetchEpochCheckKind.Diverging, check.Kind);
        Assert.Equal(new EpochEndOffset(1, 20), check.DivergingEpoch);
    }

    [Fact]
    public void CheckFollowerFetch_BelowLogStartOrWithoutHistory_IsOutOfRange()
    {
        var leader = Cache((1, 0), (3, 20));

        Assert.Equal(FetchEpochCheckKind.OffsetOutOfRange, leader.CheckFollowerFetch(3, 5, 10, 40).Kind);
        Assert.Equal(FetchEpochCheckKind.OffsetOutOfRange, new LeaderEpochCache().CheckFollowerFetch(3, 5, 0, 40).Kind);
    }

    [Fact]
    public void CheckFollowerFetch_WithoutLastFetchedEpoch_ChecksOnlyTheRange()
    {
        var leader = Cache((1, 0), (3, 20));

        Assert.Equal(FetchEpochCheckKind.Consistent, leader.CheckFollowerFetch(-1, 0, 0, 40).Kind);
        Assert.Equal(FetchEpochCheckKind.OffsetOutOfRange, leader.CheckFollowerFetch(-1, 41, 0, 40).Kind);
    }
}
