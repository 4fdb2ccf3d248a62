using System.Collections.Immutable;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Replication;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Tests.Replication;

public sealed class LeaderReplicaStateTests
{
    private static readonly Guid TopicId = new("00000000-0000-0000-0000-00000000000c");
    private const long Lag = 30_000;

    private static ImmutableDictionary<int, BrokerImage> Brokers(params (int Id, long Epoch, bool Fenced)[] brokers) =>
        brokers.ToImmutableDictionary(b => b.Id, b => new BrokerImage(b.Id, "h", 9092, null, b.Fenced) { Epoch = b.Epoch });

    private static readonly ImmutableDictionary<int, BrokerImage> AllAlive = Brokers((1, 100, false), (2, 200, false), (3, 300, false));

    private static PartitionImage Image(int[] isr, int leaderEpoch = 5, int partitionEpoch = 7, int leader = 1) =>
        new(0, leader, leaderEpoch, [1, 2, 3], [.. isr], partitionEpoch);

    private static LeaderReplicaState Leader(int[] isr, long leo = 100, long hwm = 50, int minIsr = 2, ImmutableDictionary<int, BrokerImage>? brokers = null, long now = 1_000) =>
        new(1, 100, TopicId, Image(isr), brokers ?? AllAlive, leo, hwm, now, new ReplicationOptions { MinInsyncReplicas = minIsr, ReplicaLagTimeMaxMs = Lag });

    [Fact]
    public void Constructor_ForAnotherLeader_Throws()
    {
        Assert.Throws<ArgumentException>(() => new LeaderReplicaState(2, 1, TopicId, Image([1, 2, 3]), AllAlive, 0, 0, 0, ReplicationOptions.Default));
    }

    [Fact]
    public void HighWatermark_IsTheSmallestLogEndOffsetOverTheIsr()
    {
        var state = Leader([1, 2, 3]);
        Assert.Equal(50, state.HighWatermark);

        var first = state.OnFollowerFetch(2, 200, 90, 1_100, 100);
        Assert.False(first.HighWatermarkChanged);   // follower 3 has not fetched yet: its end is unknown
        Assert.Equal(50, state.HighWatermark);

        var second = state.OnFollowerFetch(3, 300, 70, 1_100, 100);
        Assert.True(second.HighWatermarkChanged);
        Assert.Equal(70, state.HighWatermark);

        state.OnFollowerFetch(3, 300, 100, 1_200, 100);
        Assert.Equal(90, state.HighWatermark);
        state.OnFollowerFetch(2, 200, 100, 1_200, 100);
        Assert.Equal(100, state.HighWatermark);
    }

    [Fact]
    public void HighWatermark_NeverMovesBack()
    {
        var state = Leader([1, 2, 3]);
        state.OnFollowerFetch(2, 200, 90, 1_100, 100);
        state.OnFollowerFetch(3, 300, 90, 1_100, 100);
        Assert.Equal(90, state.HighWatermark);

        // A follower that restarted with a shorter log fetches from lower down.
        var outcome = state.OnFollowerFetch(3, 300, 60, 1_200, 100);

        Assert.False(outcome.HighWatermarkChanged);
        Assert.Equal(90, state.HighWatermark);
    }

    [Fact]
    public void HighWatermark_IsClampedToTheLogEnd()
    {
        Assert.Equal(30, Leader([1], leo: 30, hwm: 80, minIsr: 1).HighWatermark);
    }

    [Fact]
    public void HighWatermark_StandsStillBelowMinInsyncReplicas()
    {
        var state = Leader([1], leo: 100, hwm: 50, minIsr: 2);
        Assert.True(state.IsUnderMinIsr);
        Assert.False(state.CanAcceptAcksAll);

        Assert.False(state.OnLocalAppend(120, 1_100));
        Assert.Equal(50, state.HighWatermark);

        // With min ISR 1 the same ISR of one follows the log end.
        Assert.True(state.UpdateOptions(new ReplicationOptions { MinInsyncReplicas = 1 }, 1_200));
        Assert.Equal(120, state.HighWatermark);
    }

    [Fact]
    public void HighWatermark_IgnoresALaggingFollowerOutsideTheIsr()
    {
        var state = Leader([1, 2], leo: 100, hwm: 50);
        state.OnFollowerFetch(3, 300, 10, 1_100, 100);

        state.OnFollowerFetch(2, 200, 100, 1_100, 100);

        Assert.Equal(100, state.HighWatermark);
    }

    [Fact]
    public void Expand_FollowerReachingTheHighWatermark_IsProposedWithBrokerEpochs()
    {
        var state = Leader([1, 2], leo: 100, hwm: 50);
        state.OnFollowerFetch(2, 200, 80, 1_100, 100);
        Assert.Equal(80, state.HighWatermark);

        // Follower 3 is behind the leader epoch's start (100): not yet.
        Assert.Null(state.OnFollowerFetch(3, 300, 90, 1_100, 100).IsrChange);

        var change = state.OnFollowerFetch(3, 300, 100, 1_200, 100).IsrChange;

        Assert.NotNull(change);
        Assert.Equal(IsrChangeKind.Expand, change.Kind);
        Assert.Equal([new IsrMember(1, 100), new IsrMember(2, 200), new IsrMember(3, 300)], change.NewIsr);
        Assert.Equal((TopicId, 0, 5, 7), (change.TopicId, change.Partition, change.LeaderEpoch, change.PartitionEpoch));
        Assert.Same(change, state.PendingIsrChange);
        Assert.Equal([1, 2, 3], state.MaximalIsr);
        Assert.Equal([1, 2], state.Isr);
    }

    [Fact]
    public void Expand_WhilePending_HighWatermarkWaitsForTheNewMemberAndNothingElseIsProposed()
    {
        var state = Leader([1], leo: 100, hwm: 50, minIsr: 1);
        Assert.Equal(100, state.HighWatermark);
        Assert.NotNull(state.OnFollowerFetch(2, 200, 100, 1_100, 100).IsrChange);
        Assert.Null(state.OnFollowerFetch(3, 300, 100, 1_100, 100).IsrChange);   // one change at a time

        state.OnLocalAppend(130, 1_200);
        Assert.Equal(100, state.HighWatermark);   // follower 2 is in the maximal ISR
        Assert.Null(state.MaybeShrinkIsr(1_000_000, 130));

        state.OnFollowerFetch(2, 200, 130, 1_300, 130);
        Assert.Equal(100, state.HighWatermark);   // follower 3 is caught up to an older end and eligible: Kafka waits for it too
        state.OnFollowerFetch(3, 300, 130, 1_300, 130);
        Assert.Equal(130, state.HighWatermark);
    }

    [Theory]
    [InlineData(true, false, 300, 300)]     // fenced
    [InlineData(false, true, 300, 300)]     // in controlled shutdown
    [InlineData(false, false, 300, 299)]    // fetches carry an old broker epoch (restarted with an empty disk: KIP-903)
    public void Expand_IneligibleFollower_IsNotProposed(bool fenced, bool shuttingDown, long registeredEpoch, long fetchEpoch)
    {
        var brokers = AllAlive.SetItem(3, new BrokerImage(3, "h", 9092, null, fenced) { Epoch = registeredEpoch, InControlledShutdown = shuttingDown });
        var state = Leader([1, 2], leo: 100, hwm: 100, brokers: brokers);

        Assert.Null(state.OnFollowerFetch(3, fetchEpoch, 100, 1_100, 100).IsrChange);
        Assert.Null(state.PendingIsrChange);
    }

    [Fact]
    public void Expand_UnregisteredFollower_IsNotProposedAndUnfencingLetsItIn()
    {
        var brokers = Brokers((1, 100, false), (2, 200, false), (3, 300, true));
        var state = Leader([1, 2], leo: 100, hwm: 100, brokers: brokers);
        Assert.Null(state.OnFollowerFetch(3, 300, 100, 1_100, 100).IsrChange);

        state.UpdateBrokers(AllAlive);

        Assert.NotNull(state.OnFollowerFetch(3, 300, 100, 1_200, 100).IsrChange);
    }

    [Fact]
    public void Expand_FetchWithoutBrokerEpoch_SkipsTheEpochCheck()
    {
        var state = Leader([1, 2], leo: 100, hwm: 100);

        var change = state.OnFollowerFetch(3, -1, 100, 1_100, 100).IsrChange;

        Assert.NotNull(change);
        Assert.Equal(new IsrMember(3, -1), change.NewIsr[^1]);
    }

    [Fact]
    public void Expand_WithTheAdmitIneligibleFault_AdmitsAFencedFollower()
    {
        var brokers = Brokers((1, 100, false), (2, 200, false), (3, 300, true));
        var state = new LeaderReplicaState(1, 100, TopicId, Image([1, 2]), brokers, 100, 100, 0,
            new ReplicationOptions { Faults = new ReplicationFaults { AdmitIneligibleReplicas = true } });

        Assert.NotNull(state.OnFollowerFetch(3, 300, 100, 1_100, 100).IsrChange);
    }

    [Fact]
    public void Shrink_FollowerNotCaughtUpForTheLagTime_IsProposed()
    {
        var state = Leader([1, 2, 3], leo: 100, hwm: 100, now: 0);
        state.OnFollowerFetch(2, 200, 100, 1_000, 100);
        state.OnFollowerFetch(3, 300, 60, 1_000, 100);

        Assert.Null(state.MaybeShrinkIsr(Lag, 100));   // reset at leadership: caught up "at 0", still within the bound

        var change = state.MaybeShrinkIsr(Lag + 1, 100);

        Assert.NotNull(change);
        Assert.Equal(IsrChangeKind.Shrink, change.Kind);
        Assert.Equal([1, 2], change.NewIsrIds);
        Assert.Equal([1, 2, 3], state.MaximalIsr);   // a pending shrink does not shrink what the HWM waits for
        Assert.Null(state.MaybeShrinkIsr(Lag + 2, 100));
    }

    [Fact]
    public void Shrink_FollowerReachingThePreviousFetchsLeaderEnd_CountsAsCaughtUpThen()
    {
        // Kafka's lastCaughtUpTimeMs rule: under steady appends a follower never equals the
        // leader's end at its fetch, but reaching the end as of its previous fetch keeps it in.
        var state = Leader([1, 2, 3], leo: 100, hwm: 100, now: 0);
        long leo = 100;
        long followerOffset = 100;
        for (long t = 1_000; t <= 100_000; t += 1_000)
        {
            leo += 10;
            state.OnFollowerFetch(3, 300, followerOffset, t, leo);
            state.OnFollowerFetch(2, 200, leo, t, leo);
            followerOffset = leo;   // it gets everything up to the end it saw
            Assert.Null(state.MaybeShrinkIsr(t, leo));
        }
        Assert.True(state.Followers[3].LastCaughtUpTimeMs >= 99_000);
    }

    [Fact]
    public void Shrink_FollowerThatStopsKeepingUp_IsRemovedOnlyAfterTheLagTime()
    {
        var state = Leader([1, 2, 3], leo: 100, hwm: 100, now: 0);
        state.OnFollowerFetch(3, 300, 100, 1_000, 100);    // caught up at 1 s
        state.OnFollowerFetch(3, 300, 100, 2_000, 150);    // the leader appended: behind, but it had reached 100 (the end as of 1 s)
        Assert.Equal(1_000, state.Followers[3].LastCaughtUpTimeMs);
        state.OnFollowerFetch(3, 300, 120, 3_000, 200);    // still short of 150
        Assert.Equal(1_000, state.Followers[3].LastCaughtUpTimeMs);
        state.OnFollowerFetch(2, 200, 200, 3_000, 200);

        Assert.Null(state.MaybeShrinkIsr(1_000 + Lag, 200));
        Assert.Equal([1, 2], state.MaybeShrinkIsr(1_001 + Lag, 200)!.NewIsrIds);
    }

    [Fact]
    public void AlterPartitionResponse_Success_AppliesTheCommittedIsrAndMayMoveTheHighWatermark()
    {
        var state = Leader([1, 2, 3], leo: 100, hwm: 50, now: 0);
        state.OnFollowerFetch(2, 200, 100, 1_000, 100);
        Assert.Equal(50, state.HighWatermark);   // follower 3 never fetched
        var shrink = state.MaybeShrinkIsr(Lag + 1, 100)!;

        Assert.Equal(AlterPartitionResponseAction.Applied, state.OnAlterPartitionResponse(shrink, ErrorCode.None, 5, 8, [1, 2], Lag + 2));

        Assert.Equal([1, 2], state.Isr);
        Assert.Equal(8, state.PartitionEpoch);
        Assert.Null(state.PendingIsrChange);
        Assert.Equal(100, state.HighWatermark);
    }

    [Fact]
    public void AlterPartitionResponse_ForAnOlderProposal_IsIgnored()
    {
        var state = Leader([1, 2], leo: 100, hwm: 100);
        var change = state.OnFollowerFetch(3, 300, 100, 1_100, 100).IsrChange!;
        state.OnPartitionImage(Image([1, 2, 3], partitionEpoch: 8), AllAlive, 1_200, 100);

        Assert.Equal(AlterPartitionResponseAction.Ignored, state.OnAlterPartitionResponse(change, ErrorCode.None, 5, 8, [1, 2, 3], 1_300));
    }

    [Theory]
    [InlineData(ErrorCode.IneligibleReplica, AlterPartitionResponseAction.Reverted, false)]
    [InlineData(ErrorCode.OperationNotAttempted, AlterPartitionResponseAction.Reverted, false)]
    [InlineData(ErrorCode.FencedLeaderEpoch, AlterPartitionResponseAction.AwaitMetadata, true)]
    [InlineData(ErrorCode.InvalidUpdateVersion, AlterPartitionResponseAction.AwaitMetadata, true)]
    [InlineData(ErrorCode.RequestTimedOut, AlterPartitionResponseAction.Retry, true)]
    [InlineData(ErrorCode.NotController, AlterPartitionResponseAction.Retry, true)]
    public void AlterPartitionResponse_Error_RevertsOrKeepsThePendingChangeAsKafka(ErrorCode error, AlterPartitionResponseAction expected, bool stillPending)
    {
        var state = Leader([1, 2], leo: 100, hwm: 100);
        var change = state.OnFollowerFetch(3, 300, 100, 1_100, 100).IsrChange!;

        Assert.Equal(expected, state.OnAlterPartitionResponse(change, error, 0, 0, [], 1_200));

        Assert.Equal(stillPending, state.PendingIsrChange is not null);
        Assert.Equal([1, 2], state.Isr);
    }

    [Fact]
    public void PartitionImage_Newer_ClearsThePendingChange_OlderOrSameIsIgnored()
    {
        var state = Leader([1, 2], leo: 100, hwm: 100);
        Assert.NotNull(state.OnFollowerFetch(3, 300, 100, 1_100, 100).IsrChange);

        state.OnPartitionImage(Image([1, 2], partitionEpoch: 6), AllAlive, 1_200, 100);
        Assert.NotNull(state.PendingIsrChange);
        state.OnPartitionImage(Image([1, 2], partitionEpoch: 7), AllAlive, 1_200, 100);
        Assert.NotNull(state.PendingIsrChange);

        state.OnPartitionImage(Image([1, 2, 3], partitionEpoch: 8), AllAlive, 1_300, 100);
        Assert.Null(state.PendingIsrChange);
        Assert.Equal([1, 2, 3], state.Isr);
        Assert.Equal(8, state.PartitionEpoch);
    }

    [Fact]
    public void PartitionImage_NewLeaderEpoch_RestartsTheEpochAtTheLogEnd()
    {
        var state = Leader([1, 2, 3], leo: 100, hwm: 100);
        Assert.Equal(100, state.LeaderEpochStartOffset);

        state.OnPartitionImage(Image([1, 2, 3], leaderEpoch: 6, partitionEpoch: 8), AllAlive, 1_100, 140);

        Assert.Equal(6, state.LeaderEpoch);
        Assert.Equal(140, state.LeaderEpochStartOffset);
        Assert.Equal(FetchEpochCheckKind.Consistent, FetchEpochCheckKind.Consistent);
        Assert.Equal(ErrorCode.FencedLeaderEpoch, state.ValidateLeaderEpoch(5));
    }

    [Fact]
    public void PartitionImage_NamingAnotherLeader_Throws()
    {
        var state = Leader([1, 2, 3]);

        Assert.Throws<ArgumentException>(() => state.OnPartitionImage(Image([2, 3], leaderEpoch: 6, leader: 2), AllAlive, 0, 100));
    }

    [Fact]
    public void ValidateLeaderEpoch_OlderIsFenced_NewerIsUnknown_MinusOneSkips()
    {
        var state = Leader([1, 2, 3]);

        Assert.Equal(ErrorCode.None, state.ValidateLeaderEpoch(5));
        Assert.Equal(ErrorCode.None, state.ValidateLeaderEpoch(-1));
        Assert.Equal(ErrorCode.FencedLeaderEpoch, state.ValidateLeaderEpoch(4));
        Assert.Equal(ErrorCode.UnknownLeaderEpoch, state.ValidateLeaderEpoch(6));
    }

    [Fact]
    public void FollowerFetch_FromANonReplicaOrPastTheLogEnd_IsRefused()
    {
        var state = Leader([1, 2, 3]);

        Assert.Equal(ErrorCode.NotLeaderOrFollower, state.OnFollowerFetch(9, 900, 10, 1_100, 100).Error);
        Assert.Equal(ErrorCode.OffsetOutOfRange, state.OnFollowerFetch(2, 200, 101, 1_100, 100).Error);
        Assert.Equal(-1, state.Followers[2].LogEndOffset);
    }

    [Fact]
    public void CheckAcksAll_CompletesWhenTheHighWatermarkCoversTheBatch()
    {
        var state = Leader([1, 2], leo: 100, hwm: 100);
        state.OnLocalAppend(110, 1_100);
        Assert.Equal((false, ErrorCode.None), state.CheckAcksAll(110));

        state.OnFollowerFetch(2, 200, 110, 1_200, 110);
        Assert.Equal((true, ErrorCode.None), state.CheckAcksAll(110));

        state.OnLocalAppend(120, 1_300);
        state.OnPartitionImage(Image([1], partitionEpoch: 8), AllAlive, 1_300, 120);
        Assert.Equal((true, ErrorCode.NotEnoughReplicasAfterAppend), state.CheckAcksAll(110));
        Assert.Equal((false, ErrorCode.None), state.CheckAcksAll(120));
    }

    [Fact]
    public void HighWatermarkIsMaxFault_FollowsTheLeadersEnd()
    {
        var state = new LeaderReplicaState(1, 100, TopicId, Image([1, 2, 3]), AllAlive, 100, 50, 0,
            new ReplicationOptions { MinInsyncReplicas = 2, Faults = new ReplicationFaults { HighWatermarkIsMax = true } });

        Assert.Equal(100, state.HighWatermark);
    }
}
