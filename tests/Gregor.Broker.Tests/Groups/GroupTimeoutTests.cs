using Gregor.Broker.Groups;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Tests.Groups;

public sealed class GroupTimeoutTests
{
    private const string Group = "g2";

    [Fact]
    public async Task FollowerThatNeverSyncs_IsRemovedWhenItsSessionExpires()
    {
        await using var h = await GroupHarness.StartAsync();
        var first = await h.FormSingleMemberGroupAsync(Group);
        var (_, secondJoin) = await h.JoinNewAsync(Group);
        var leader = await h.RejoinAsync(Group, first.MemberId).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        var second = await secondJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        // Only the leader syncs; the follower vanishes after its JoinGroup response.
        var leaderSync = h.SyncAsync(Group, leader, new Dictionary<string, byte[]> { [leader.MemberId] = [1], [second.MemberId] = [2] });
        Assert.Equal(ErrorCode.None, (await leaderSync.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken)).Error);
        // The leader's sync completed the generation (Kafka completes on the leader's assignment).
        Assert.Equal(GroupState.Stable, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).State);
        await h.AdvanceAsync(GroupHarness.SessionMs + 1);
        Assert.Equal(ErrorCode.UnknownMemberId, (await h.Coordinator.HeartbeatAsync(Group, second.MemberId, null, second.GenerationId)));
    }

    [Fact]
    public async Task SyncTimeout_DuringCompletingRebalance_DropsTheMemberThatDidNotSync()
    {
        await using var h = await GroupHarness.StartAsync();
        var (_, aJoin) = await h.JoinNewAsync(Group);
        var a = await aJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        // Nobody syncs; the member keeps heartbeating, but the sync deadline (rebalance timeout) passes.
        for (var elapsed = 0; elapsed <= GroupHarness.RebalanceMs; elapsed += 5_000)
        {
            await h.AdvanceAsync(5_000);
            await h.Coordinator.HeartbeatAsync(Group, a.MemberId, null, a.GenerationId);
        }
        Assert.Equal(ErrorCode.UnknownMemberId, (await h.Coordinator.HeartbeatAsync(Group, a.MemberId, null, a.GenerationId)));
        Assert.Equal(GroupState.Empty, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).State);
    }

    [Fact]
    public async Task PendingMember_ThatNeverRejoins_StopsBlockingTheRebalanceAfterItsSessionTimeout()
    {
        await using var h = await GroupHarness.StartAsync();
        var first = await h.FormSingleMemberGroupAsync(Group);
        var (_, secondJoin) = await h.JoinNewAsync(Group);
        // A third consumer gets its member id but never comes back.
        var ghost = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group), TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.MemberIdRequired, ghost.Error);
        var leaderJoin = h.RejoinAsync(Group, first.MemberId);
        Assert.False(leaderJoin.IsCompleted);
        await h.AdvanceAsync(GroupHarness.SessionMs);
        var leader = await leaderJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(2, leader.Members.Count);
        Assert.Equal(ErrorCode.None, (await secondJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken)).Error);
    }

    [Fact]
    public async Task Commit_DuringPreparingRebalance_WithTheCurrentGeneration_IsAccepted()
    {
        await using var h = await GroupHarness.StartAsync();
        var first = await h.FormSingleMemberGroupAsync(Group);
        var (_, _) = await h.JoinNewAsync(Group);
        Assert.Equal(GroupState.PreparingRebalance, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).State);
        // Eager consumers commit what they processed before rejoining.
        Assert.Equal([ErrorCode.None], await h.CommitAsync(Group, first, "t", 0, 5));
        Assert.Equal(5, (await h.CommittedAsync(Group, "t", 0)));
    }

    [Fact]
    public async Task LeaderSync_WhenStoringTheAssignmentFails_AnswersCoordinatorNotAvailableAndRebalances()
    {
        await using var h = await GroupHarness.StartAsync();
        var (_, join) = await h.JoinNewAsync(Group);
        var joined = await join.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        h.Store.FailAppendsWith = new IOException("disk gone");
        var sync = await h.SyncAsync(Group, joined, new Dictionary<string, byte[]> { [joined.MemberId] = [1] }).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.CoordinatorNotAvailable, sync.Error);
        Assert.Equal(GroupState.PreparingRebalance, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).State);
    }

    [Fact]
    public async Task Scheduler_KeepsOneSessionTimerPerMember_HoweverOftenItHeartbeats()
    {
        await using var h = await GroupHarness.StartAsync();
        var member = await h.FormSingleMemberGroupAsync(Group);
        for (var i = 0; i < 1_000; i++)
        {
            Assert.Equal(ErrorCode.None, (await h.Coordinator.HeartbeatAsync(Group, member.MemberId, null, member.GenerationId)));
        }
        // Session check + sync timeout + rebalance timeout + offset-expiry check, not one per heartbeat.
        Assert.InRange(h.Coordinator.PendingTimersOf(Group), 1, 5);
    }
}
