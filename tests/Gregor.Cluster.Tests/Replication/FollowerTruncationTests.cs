using Gregor.Cluster.Replication;

namespace Gregor.Cluster.Tests.Replication;

public sealed class FollowerTruncationTests
{
    private static LeaderEpochCache Cache(params (int Epoch, long Start)[] entries) =>
        new(entries.Select(e => new EpochEntry(e.Epoch, e.Start)));

    [Fact]
    public void Kip101_FollowerAheadInTheSameEpoch_TruncatesToTheLeadersEndOfThatEpoch()
    {
        // Both wrote epoch 1; the follower got offsets 10..11 the new leader (epoch 2) never had.
        var follower = Cache((1, 0));
        var leader = Cache((1, 0), (2, 10));
        var check = leader.CheckFollowerFetch(follower.LatestEpoch, fetchOffset: 12, logStartOffset: 0, logEndOffset: 15);
        Assert.Equal(FetchEpochCheckKind.Diverging, check.Kind);

        var decision = FollowerTruncation.Decide(follower, followerLogEndOffset: 12, followerHighWatermark: 8, check.DivergingEpoch);

        Assert.Equal(new TruncationDecision(10, true), decision);
    }

    [Fact]
    public void Kip279_FollowerWithAnEpochTheLeaderNeverSaw_TruncatesInTwoRounds()
    {
        // Double failover: the follower led epoch 2 alone (offsets 5..8, never replicated); the
        // leader led epoch 3 from offset 5. The follower's last fetched epoch 2 is unknown there.
        var follower = Cache((1, 0), (2, 5));
        var leader = Cache((1, 0), (3, 5));

        var first = leader.CheckFollowerFetch(follower.LatestEpoch, 9, 0, 12);
        Assert.Equal(new EpochEndOffset(1, 5), first.DivergingEpoch);
        var decision = FollowerTruncation.Decide(follower, 9, 3, first.DivergingEpoch);
        Assert.Equal(new TruncationDecision(5, true), decision);

        follower.TruncateFromEnd(decision.TruncateTo);
        Assert.Equal(FetchEpochCheckKind.Consistent, leader.CheckFollowerFetch(follower.LatestEpoch, decision.TruncateTo, 0, 12).Kind);
    }

    [Fact]
    public void LeaderEpochUnknownToTheFollower_TruncatesToItsOwnEarlierEpochAndIsNotDone()
    {
        // The leader answers epoch 2 (ended at 9); the follower skipped epoch 2: its floor is 1, ending at 7.
        var follower = Cache((1, 0), (3, 7));

        var decision = FollowerTruncation.Decide(follower, 12, 0, new EpochEndOffset(2, 9));

        Assert.Equal(new TruncationDecision(7, false), decision);
    }

    [Fact]
    public void FollowerShorterThanTheLeadersEpoch_KeepsItsLog()
    {
        var follower = Cache((1, 0));

        var decision = FollowerTruncation.Decide(follower, 4, 0, new EpochEndOffset(1, 10));

        Assert.Equal(new TruncationDecision(4, true), decision);
    }

    [Fact]
    public void FollowerWithoutEpochHistory_TruncatesToTheLeadersOffset()
    {
        var decision = FollowerTruncation.Decide(new LeaderEpochCache(), 12, 0, new EpochEndOffset(1, 10));

        Assert.Equal(new TruncationDecision(10, true), decision);
    }

    [Fact]
    public void UndefinedLeaderAnswer_FallsBackToTheInitialFetchOffset()
    {
        Assert.Equal(new TruncationDecision(12, true), FollowerTruncation.Decide(Cache((1, 0)), 12, 5, EpochEndOffset.Undefined));
        Assert.Equal(new TruncationDecision(5, true), FollowerTruncation.Decide(new LeaderEpochCache(), 12, 5, EpochEndOffset.Undefined));
    }

    [Fact]
    public void RandomHistories_FetchTruncateLoop_LeavesTheFollowerAPrefixOfTheLeader()
    {
        var random = new Random(12);
        for (var round = 0; round < 2_000; round++)
        {
            // Offsets are labelled with the epoch that wrote them; a shared prefix, then each
            // side appends in epochs of its own (the leader's epochs are the newest).
            var shared = RandomLog(random, [], 0, random.Next(0, 4));
            var sharedEpoch = shared.Count == 0 ? 0 : shared[^1];
            var follower = RandomLog(random, shared, sharedEpoch, random.Next(0, 3), oddEpochs: true);
            var leader = RandomLog(random, shared, Math.Max(sharedEpoch, follower.Count == 0 ? 0 : follower[^1]), random.Next(1, 3), oddEpochs: false);
            var leaderCache = CacheOf(leader);
            // The leader opened its own, newest epoch at its log end when it was elected.
            var leaderEpoch = Math.Max(leaderCache.LatestEpoch, follower.Count == 0 ? 0 : follower[^1]) + 1;
            leaderCache.Assign(leaderEpoch, leader.Count);
            var followerCache = CacheOf(follower);
            var log = new List<int>(follower);
            for (var step = 0; step < 20; step++)
            {
                var check = leaderCache.CheckFollowerFetch(followerCache.LatestEpoch, log.Count, 0, leader.Count);
                if (check.Kind == FetchEpochCheckKind.Consistent)
                {
                    break;
                }
                Assert.Equal(FetchEpochCheckKind.Diverging, check.Kind);
                var decision = FollowerTruncation.Decide(followerCache, log.Count, 0, check.DivergingEpoch);
                Assert.True(decision.TruncateTo < log.Count, $"round {round}: no progress at {log.Count}");
                log.RemoveRange((int)decision.TruncateTo, log.Count - (int)decision.TruncateTo);
                followerCache.TruncateFromEnd(decision.TruncateTo);
            }

            Assert.True(log.Count <= leader.Count, $"round {round}");
            Assert.Equal(leader.Take(log.Count), log);
            Assert.True(log.Count >= shared.Count, $"round {round}: truncated below the shared prefix");
        }
    }

    private static List<int> RandomLog(Random random, List<int> prefix, int afterEpoch, int epochs, bool oddEpochs = false)
    {
        var log = new List<int>(prefix);
        var epoch = afterEpoch;
        for (var i = 0; i < epochs; i++)
        {
            epoch += 1 + random.Next(0, 2);
            if (oddEpochs != (epoch % 2 == 1))
            {
                epoch++;
            }
            log.AddRange(Enumerable.Repeat(epoch, random.Next(0, 5)));
        }
        return log;
    }

    private static LeaderEpochCache CacheOf(List<int> log)
    {
        var cache = new LeaderEpochCache();
        for (var offset = 0; offset < log.Count; offset++)
        {
            cache.Assign(log[offset], offset);
        }
        return cache;
    }
}
