using Gregor.Broker.Groups;
using Gregor.Broker.Tests.Coordinator;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Tests.Groups;

public sealed class GroupMembershipTests
{
    private const string Group = "g1";

    [Fact]
    public async Task Join_WithoutMemberIdFromV4Client_ReturnsMemberIdRequiredWithAssignedId()
    {
        await using var h = await GroupHarness.StartAsync();
        var result = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group), TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.MemberIdRequired, result.Error);
        Assert.StartsWith("client-", result.MemberId);
        Assert.Equal(GroupState.Empty, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).State);
    }

    [Fact]
    public async Task Join_WithoutMemberIdFromOldClient_JoinsDirectly()
    {
        await using var h = await GroupHarness.StartAsync();
        var result = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group, requireKnownMemberId: false), TestContext.Current.CancellationToken).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, result.Error);
        Assert.Equal(1, result.GenerationId);
        Assert.Equal(result.MemberId, result.LeaderId);
    }

    [Fact]
    public async Task JoinThenSync_SingleMember_BecomesStableWithTheLeadersAssignment()
    {
        await using var h = await GroupHarness.StartAsync();
        var (memberId, joinTask) = await h.JoinNewAsync(Group);
        var joined = await joinTask.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, joined.Error);
        Assert.Equal(memberId, joined.MemberId);
        Assert.Equal(memberId, joined.LeaderId);
        Assert.Equal("range", joined.ProtocolName);
        Assert.Single(joined.Members);
        Assert.Equal(GroupHarness.Subscription("t"), joined.Members[0].Metadata);
        Assert.Equal(GroupState.CompletingRebalance, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).State);

        var synced = await h.SyncAsync(Group, joined, new Dictionary<string, byte[]> { [memberId] = [9, 9] }).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, synced.Error);
        Assert.Equal([9, 9], synced.Assignment);
        var description = (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken));
        Assert.Equal(GroupState.Stable, description.State);
        Assert.Equal("range", description.Protocol);
        Assert.Equal([9, 9], description.Members[0].Assignment);
        Assert.Equal(ErrorCode.None, (await h.Coordinator.HeartbeatAsync(Group, memberId, null, joined.GenerationId)));
    }

    [Fact]
    public async Task SecondMember_TriggersRebalance_AndBothGetTheNextGeneration()
    {
        await using var h = await GroupHarness.StartAsync();
        var first = await h.FormSingleMemberGroupAsync(Group);

        var (secondId, secondJoin) = await h.JoinNewAsync(Group);
        Assert.False(secondJoin.IsCompleted);
        Assert.Equal(GroupState.PreparingRebalance, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).State);
        Assert.Equal(ErrorCode.RebalanceInProgress, (await h.Coordinator.HeartbeatAsync(Group, first.MemberId, null, first.GenerationId)));

        var firstRejoin = await h.RejoinAsync(Group, first.MemberId).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        var second = await secondJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(2, firstRejoin.GenerationId);
        Assert.Equal(2, second.GenerationId);
        Assert.Equal(first.MemberId, firstRejoin.LeaderId);
        Assert.Equal(2, firstRejoin.Members.Count);
        Assert.Empty(second.Members);

        var followerSync = h.SyncAsync(Group, second);
        Assert.False(followerSync.IsCompleted);
        await h.SyncAsync(Group, firstRejoin, new Dictionary<string, byte[]> { [first.MemberId] = [1], [secondId] = [2] }).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal([2], (await followerSync.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken)).Assignment);
        Assert.Equal(GroupState.Stable, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).State);
    }

    [Fact]
    public async Task SessionTimeout_EvictsTheSilentMember_AndTheOtherRejoinsAlone()
    {
        await using var h = await GroupHarness.StartAsync();
        var first = await h.FormSingleMemberGroupAsync(Group);
        var (secondId, secondJoin) = await h.JoinNewAsync(Group);
        var leader = await h.RejoinAsync(Group, first.MemberId).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        var second = await secondJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        await Task.WhenAll(
            h.SyncAsync(Group, leader, new Dictionary<string, byte[]> { [first.MemberId] = [1], [secondId] = [2] }),
            h.SyncAsync(Group, second)).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);

        // Only the first member heartbeats; the second goes silent.
        for (var i = 0; i < 3; i++)
        {
            await h.AdvanceAsync(3_000);
            Assert.Equal(ErrorCode.None, (await h.Coordinator.HeartbeatAsync(Group, first.MemberId, null, leader.GenerationId)));
        }
        await h.AdvanceAsync(2_000);
        Assert.Equal(ErrorCode.RebalanceInProgress, (await h.Coordinator.HeartbeatAsync(Group, first.MemberId, null, leader.GenerationId)));
        Assert.Equal(ErrorCode.UnknownMemberId, (await h.Coordinator.HeartbeatAsync(Group, secondId, null, leader.GenerationId)));

        var alone = await h.RejoinAsync(Group, first.MemberId).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(3, alone.GenerationId);
        Assert.Single(alone.Members);
    }

    [Fact]
    public async Task RebalanceTimeout_DropsTheMemberThatDidNotRejoin()
    {
        await using var h = await GroupHarness.StartAsync();
        var first = await h.FormSingleMemberGroupAsync(Group);
        var (secondId, secondJoin) = await h.JoinNewAsync(Group);
        // The first member keeps heartbeating but never rejoins.
        for (var elapsed = 0; elapsed < GroupHarness.RebalanceMs - 3_000; elapsed += 3_000)
        {
            await h.AdvanceAsync(3_000);
            Assert.Equal(ErrorCode.RebalanceInProgress, (await h.Coordinator.HeartbeatAsync(Group, first.MemberId, null, first.GenerationId)));
        }
        Assert.False(secondJoin.IsCompleted);
        await h.AdvanceAsync(3_001);
        var second = await secondJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, second.Error);
        Assert.Equal(secondId, second.LeaderId);
        Assert.Single(second.Members);
        Assert.Equal(ErrorCode.UnknownMemberId, (await h.Coordinator.HeartbeatAsync(Group, first.MemberId, null, first.GenerationId)));
    }

    [Fact]
    public async Task StaticMember_RejoiningWithSameSubscription_KeepsGenerationAndFencesTheOldId()
    {
        await using var h = await GroupHarness.StartAsync();
        var joined = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group, instanceId: "i1"), TestContext.Current.CancellationToken).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, joined.Error);
        await h.SyncAsync(Group, joined, new Dictionary<string, byte[]> { [joined.MemberId] = [5] }, "i1").WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);

        // The process restarts and rejoins with its instance id but no member id.
        var rejoined = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group, instanceId: "i1"), TestContext.Current.CancellationToken).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, rejoined.Error);
        Assert.NotEqual(joined.MemberId, rejoined.MemberId);
        Assert.Equal(joined.GenerationId, rejoined.GenerationId);
        Assert.True(rejoined.SkipAssignment);
        Assert.Equal(GroupState.Stable, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).State);

        var synced = await h.SyncAsync(Group, rejoined, instanceId: "i1").WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal([5], synced.Assignment);
        Assert.Equal(ErrorCode.FencedInstanceId, (await h.Coordinator.HeartbeatAsync(Group, joined.MemberId, "i1", joined.GenerationId)));
        Assert.Equal(ErrorCode.None, (await h.Coordinator.HeartbeatAsync(Group, rejoined.MemberId, "i1", joined.GenerationId)));
    }

    [Fact]
    public async Task StaticMember_WithExpiredSessionIsRemoved_LikeAnyOther()
    {
        await using var h = await GroupHarness.StartAsync();
        var joined = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group, instanceId: "i1"), TestContext.Current.CancellationToken).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        await h.SyncAsync(Group, joined, instanceId: "i1").WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        await h.AdvanceAsync(GroupHarness.SessionMs + 1);
        Assert.Equal(ErrorCode.UnknownMemberId, (await h.Coordinator.HeartbeatAsync(Group, joined.MemberId, "i1", joined.GenerationId)));
        Assert.Equal(GroupState.Empty, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).State);
    }

    [Fact]
    public async Task StaleGenerationAndUnknownMembers_AreFenced()
    {
        await using var h = await GroupHarness.StartAsync();
        var joined = await h.FormSingleMemberGroupAsync(Group);
        Assert.Equal(ErrorCode.IllegalGeneration, (await h.Coordinator.HeartbeatAsync(Group, joined.MemberId, null, joined.GenerationId - 1)));
        Assert.Equal(ErrorCode.UnknownMemberId, (await h.Coordinator.HeartbeatAsync(Group, "nobody", null, joined.GenerationId)));
        Assert.Equal(ErrorCode.UnknownMemberId, (await h.Coordinator.HeartbeatAsync("other-group", joined.MemberId, null, joined.GenerationId)));
        var sync = await h.Coordinator.SyncGroupAsync(
            new SyncGroupParameters(Group, joined.GenerationId + 1, joined.MemberId, null, null, null, new Dictionary<string, byte[]>()), TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.IllegalGeneration, sync.Error);
        var wrongProtocol = await h.Coordinator.SyncGroupAsync(
            new SyncGroupParameters(Group, joined.GenerationId, joined.MemberId, null, "consumer", "roundrobin", new Dictionary<string, byte[]>()), TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, wrongProtocol.Error);
        var unknownJoin = await h.RejoinAsync(Group, "nobody");
        Assert.Equal(ErrorCode.UnknownMemberId, unknownJoin.Error);
    }

    [Fact]
    public async Task Join_ChecksSessionTimeoutProtocolAndGroupSize()
    {
        await using var h = await GroupHarness.StartAsync(GroupHarness.DefaultOptions with { MaxGroupSize = 1 });
        var tooShort = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group, sessionMs: 10), TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.InvalidSessionTimeout, tooShort.Error);
        var noProtocols = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group, protocols: []), TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, noProtocols.Error);

        await h.FormSingleMemberGroupAsync(Group);
        var otherProtocol = await h.Coordinator.JoinGroupAsync(
            GroupHarness.JoinParams(Group, protocols: [new GroupProtocol("roundrobin", [])]), TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.InconsistentGroupProtocol, otherProtocol.Error);
        var full = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group), TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.GroupMaxSizeReached, full.Error);
    }

    [Fact]
    public async Task ProtocolSelection_PicksTheProtocolEveryMemberSupportsWithMostVotes()
    {
        await using var h = await GroupHarness.StartAsync();
        GroupProtocol[] rangeFirst = [new("range", [1]), new("cooperative-sticky", [2])];
        GroupProtocol[] stickyOnly = [new("cooperative-sticky", [3])];
        var (aId, aJoin) = await h.JoinNewAsync(Group, rangeFirst);
        var a = await aJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal("range", a.ProtocolName);
        var (_, bJoin) = await h.JoinNewAsync(Group, stickyOnly);
        var aAgain = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group, aId, protocols: rangeFirst), TestContext.Current.CancellationToken).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        var b = await bJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal("cooperative-sticky", aAgain.ProtocolName);
        Assert.Equal("cooperative-sticky", b.ProtocolName);
        Assert.Equal([2], aAgain.Members.Single(m => m.MemberId == aId).Metadata);
    }

    [Fact]
    public async Task Leave_LastMember_LeavesTheGroupEmptyAtTheNextGeneration()
    {
        await using var h = await GroupHarness.StartAsync();
        var joined = await h.FormSingleMemberGroupAsync(Group);
        var result = await h.Coordinator.LeaveGroupAsync(Group, [new LeaveGroupMember(joined.MemberId, null), new LeaveGroupMember("ghost", null)], TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, result.Error);
        Assert.Equal([ErrorCode.None, ErrorCode.UnknownMemberId], result.MemberErrors);
        Assert.Equal(GroupState.Empty, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).State);
        Assert.Equal(ErrorCode.UnknownMemberId, (await h.Coordinator.HeartbeatAsync(Group, joined.MemberId, null, joined.GenerationId)));
    }

    [Fact]
    public async Task Leave_OfOneMember_LetsTheRebalanceCompleteWithoutIt()
    {
        await using var h = await GroupHarness.StartAsync();
        var first = await h.FormSingleMemberGroupAsync(Group);
        var (_, secondJoin) = await h.JoinNewAsync(Group);
        await h.Coordinator.LeaveGroupAsync(Group, [new LeaveGroupMember(first.MemberId, null)], TestContext.Current.CancellationToken);
        var second = await secondJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, second.Error);
        Assert.Equal(second.MemberId, second.LeaderId);
        Assert.Single(second.Members);
    }

    [Fact]
    public async Task InitialRebalanceDelay_HoldsTheFirstGenerationUntilItElapses()
    {
        await using var h = await GroupHarness.StartAsync(GroupHarness.DefaultOptions with { InitialRebalanceDelayMs = 3000 });
        var (_, aJoin) = await h.JoinNewAsync(Group);
        await h.AdvanceAsync(2_000);
        var (_, bJoin) = await h.JoinNewAsync(Group);
        await h.AdvanceAsync(1_000);
        // b arrived during the delay, so the delay is extended once more.
        Assert.False(aJoin.IsCompleted);
        await h.AdvanceAsync(3_000);
        var a = await aJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        var b = await bJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(1, a.GenerationId);
        Assert.Equal(1, b.GenerationId);
        Assert.Equal(2, (a.Members.Count + b.Members.Count));
    }

    [Fact]
    public async Task Requests_BeforeTheLogIsLoaded_GetCoordinatorLoadInProgress()
    {
        var log = new ControllableCoordinatorLog<GroupLogRecord> { ReadGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var coordinator = new GroupCoordinator(GroupHarness.DefaultOptions, log, TimeProvider.System);
        var start = coordinator.StartAsync(TestContext.Current.CancellationToken);
        var join = await coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group), TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, join.Error);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, (await coordinator.FetchOffsetsAsync(Group, null, TestContext.Current.CancellationToken)).Error);
        Assert.Equal(ErrorCode.CoordinatorLoadInProgress, await coordinator.HeartbeatAsync(Group, "m", null, 1));
        log.ReadGate.SetResult();
        await start.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.MemberIdRequired, (await coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group), TestContext.Current.CancellationToken)).Error);
    }

    [Fact]
    public async Task AfterResigningTheGroupsPartition_RequestsGetNotCoordinator_AndWaitingMembersAreTold()
    {
        await using var h = await GroupHarness.StartAsync();
        var first = await h.FormSingleMemberGroupAsync(Group);
        var (_, secondJoin) = await h.JoinNewAsync(Group);
        await h.Coordinator.UnloadPartitionAsync(h.Coordinator.PartitionFor(Group), 0).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.NotCoordinator, (await secondJoin.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken)).Error);
        Assert.Equal(ErrorCode.NotCoordinator, await h.Coordinator.HeartbeatAsync(Group, first.MemberId, null, first.GenerationId));
        Assert.Equal(ErrorCode.NotCoordinator, (await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).Error);
        // Another group's partition is still coordinated here.
        var other = Enumerable.Range(0, 1000).Select(i => $"other-{i}").First(g => h.Coordinator.PartitionFor(g) != h.Coordinator.PartitionFor(Group));
        Assert.Equal([ErrorCode.None], await h.CommitAsync(other, null, "t", 0, 1));
    }
}
