using Gregor.Broker.Groups;
using Gregor.Broker.Groups.Records;
using Gregor.Broker.Tests.Support;
using Gregor.Protocol;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Tests.Groups;

public sealed class OffsetStoreTests
{
    private const string Group = "g1";

    [Fact]
    public async Task Commit_ByTheCurrentGeneration_IsFetchedBackAndWrittenToTheGroupsPartition()
    {
        await using var h = await GroupHarness.StartAsync();
        var member = await h.FormSingleMemberGroupAsync(Group);
        Assert.Equal([ErrorCode.None], await h.CommitAsync(Group, member, "t", 0, 42));
        var fetched = (await h.Coordinator.FetchOffsetsAsync(Group, null, TestContext.Current.CancellationToken));
        Assert.Equal(ErrorCode.None, fetched.Error);
        var partition = Assert.Single(fetched.Partitions);
        Assert.Equal(42, partition.Offset!.Offset);
        Assert.Equal(7, partition.Offset.LeaderEpoch);
        Assert.Equal("meta", partition.Offset.Metadata);

        var records = h.Store.Records(GroupPartitioner.PartitionFor(Group, 50));
        var offsetRecord = records.Last(r => GroupRecordKey.Read(r.Key).Kind == GroupRecordKind.OffsetCommit);
        Assert.Equal(new OffsetCommitKey(Group, "t", 0), GroupRecordKey.Read(offsetRecord.Key).Offset);
        Assert.Equal(42, OffsetCommitValue.Read(offsetRecord.Value!).Offset);
        Assert.Contains(records, r => GroupRecordKey.Read(r.Key).Kind == GroupRecordKind.GroupMetadata);
    }

    [Fact]
    public async Task Fetch_OfUncommittedPartition_ReturnsNoOffset()
    {
        await using var h = await GroupHarness.StartAsync();
        Assert.Null((await h.CommittedAsync(Group, "t", 3)));
        Assert.Empty((await h.Coordinator.FetchOffsetsAsync("unknown", null, TestContext.Current.CancellationToken)).Partitions);
    }

    [Fact]
    public async Task Commit_WithStaleGenerationOrUnknownMember_IsRejected()
    {
        await using var h = await GroupHarness.StartAsync();
        var member = await h.FormSingleMemberGroupAsync(Group);
        Assert.Equal([ErrorCode.IllegalGeneration], await h.CommitAsync(Group, member with { GenerationId = member.GenerationId - 1 }, "t", 0, 1));
        Assert.Equal([ErrorCode.UnknownMemberId], await h.CommitAsync(Group, member with { MemberId = "ghost" }, "t", 0, 1));
        Assert.Equal([ErrorCode.UnknownMemberId], await h.CommitAsync(Group, null, "t", 0, 1));
        Assert.Equal([ErrorCode.IllegalGeneration], await h.CommitAsync("no-such-group", member, "t", 0, 1));
        Assert.Null((await h.CommittedAsync(Group, "t", 0)));
    }

    [Fact]
    public async Task Commit_DuringCompletingRebalance_ReturnsRebalanceInProgress()
    {
        await using var h = await GroupHarness.StartAsync();
        var (_, join) = await h.JoinNewAsync(Group);
        var joined = await join.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal([ErrorCode.RebalanceInProgress], await h.CommitAsync(Group, joined, "t", 0, 1));
    }

    [Fact]
    public async Task Commit_WithoutGroupManagement_CreatesAnEmptyGroup()
    {
        await using var h = await GroupHarness.StartAsync();
        Assert.Equal([ErrorCode.None], await h.CommitAsync("manual", null, "t", 1, 9));
        Assert.Equal(9, (await h.CommittedAsync("manual", "t", 1)));
        Assert.Equal(GroupState.Empty, (await h.Coordinator.DescribeGroupAsync("manual", TestContext.Current.CancellationToken)).State);
    }

    [Fact]
    public async Task Commit_WithOversizedMetadata_FailsOnlyThatPartition()
    {
        await using var h = await GroupHarness.StartAsync(GroupHarness.DefaultOptions with { OffsetMetadataMaxBytes = 3 });
        var result = await h.Coordinator.CommitOffsetsAsync(
            new OffsetCommitParameters(Group, -1, "", null, -1, [new OffsetCommitEntry("t", 0, 1, -1, "toolong"), new OffsetCommitEntry("t", 1, 2, -1, "ok")]),
            TestContext.Current.CancellationToken);
        Assert.Equal([ErrorCode.OffsetMetadataTooLarge, ErrorCode.None], result);
        Assert.Null((await h.CommittedAsync(Group, "t", 0)));
        Assert.Equal(2, (await h.CommittedAsync(Group, "t", 1)));
    }

    [Fact]
    public async Task Commit_WhenTheLogFails_ReturnsCoordinatorNotAvailableAndKeepsNothing()
    {
        await using var h = await GroupHarness.StartAsync();
        h.Store.FailAppendsWith = new IOException("disk full");
        Assert.Equal([ErrorCode.CoordinatorNotAvailable], await h.CommitAsync(Group, null, "t", 0, 5));
        Assert.Null((await h.CommittedAsync(Group, "t", 0)));
    }

    [Fact]
    public async Task Restart_OnTheSameLog_RestoresOffsetsAndTheStableGroup()
    {
        var store = new InMemoryGroupLogStore();
        JoinGroupResult member;
        await using (var h = await GroupHarness.StartAsync(store: store))
        {
            member = await h.FormSingleMemberGroupAsync(Group, [4, 2]);
            await h.CommitAsync(Group, member, "t", 0, 10);
            await h.CommitAsync(Group, member, "t", 0, 11);
            await h.CommitAsync(Group, member, "t", 1, 20);
            await h.CommitAsync("manual", null, "x", 0, 5);
        }
        await using var restarted = await GroupHarness.StartAsync(store: store);
        Assert.Equal(11, (await restarted.CommittedAsync(Group, "t", 0)));
        Assert.Equal(20, (await restarted.CommittedAsync(Group, "t", 1)));
        Assert.Equal(5, (await restarted.CommittedAsync("manual", "x", 0)));
        var description = (await restarted.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken));
        Assert.Equal(GroupState.Stable, description.State);
        Assert.Equal([4, 2], Assert.Single(description.Members).Assignment);
        // The member carries on with its generation after the restart.
        Assert.Equal(ErrorCode.None, (await restarted.Coordinator.HeartbeatAsync(Group, member.MemberId, null, member.GenerationId)));
        Assert.Equal([ErrorCode.None], await restarted.CommitAsync(Group, member, "t", 0, 12));
    }

    [Fact]
    public async Task Restart_AfterDeleteGroup_DoesNotBringTheGroupBack()
    {
        var store = new InMemoryGroupLogStore();
        await using (var h = await GroupHarness.StartAsync(store: store))
        {
            var member = await h.FormSingleMemberGroupAsync(Group);
            await h.CommitAsync(Group, member, "t", 0, 10);
            Assert.Equal(ErrorCode.NonEmptyGroup, await h.Coordinator.DeleteGroupAsync(Group, TestContext.Current.CancellationToken));
            await h.Coordinator.LeaveGroupAsync(Group, [new LeaveGroupMember(member.MemberId, null)], TestContext.Current.CancellationToken);
            Assert.Equal(ErrorCode.None, await h.Coordinator.DeleteGroupAsync(Group, TestContext.Current.CancellationToken));
            Assert.Equal(ErrorCode.GroupIdNotFound, await h.Coordinator.DeleteGroupAsync(Group, TestContext.Current.CancellationToken));
            Assert.Null((await h.CommittedAsync(Group, "t", 0)));
        }
        await using var restarted = await GroupHarness.StartAsync(store: store);
        Assert.Null((await restarted.CommittedAsync(Group, "t", 0)));
        Assert.False((await restarted.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).Exists);
        Assert.Empty((await restarted.Coordinator.ListGroupsAsync(null, TestContext.Current.CancellationToken)).Groups);
    }

    [Fact]
    public async Task Expiry_RemovesOffsetsOfAnEmptyGroupAfterRetention_AndTheGroupWithThem()
    {
        await using var h = await GroupHarness.StartAsync();
        var member = await h.FormSingleMemberGroupAsync(Group);
        await h.CommitAsync(Group, member, "t", 0, 10);
        await h.Coordinator.LeaveGroupAsync(Group, [new LeaveGroupMember(member.MemberId, null)], TestContext.Current.CancellationToken);
        await h.AdvanceAsync(59_000);
        Assert.Equal(0, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(10, (await h.CommittedAsync(Group, "t", 0)));
        await h.AdvanceAsync(1_000);
        Assert.Equal(1, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Null((await h.CommittedAsync(Group, "t", 0)));
        Assert.False((await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)).Exists);
        var records = h.Store.Records(GroupPartitioner.PartitionFor(Group, 50));
        Assert.Contains(records, r => r.Value is null && GroupRecordKey.Read(r.Key).Kind == GroupRecordKind.OffsetCommit);
        Assert.Equal(GroupRecordKind.GroupMetadata, GroupRecordKey.Read(records[^1].Key).Kind);
        Assert.Null(records[^1].Value);
    }

    [Fact]
    public async Task Expiry_KeepsOffsetsOfAStableGroup()
    {
        await using var h = await GroupHarness.StartAsync(GroupHarness.DefaultOptions with { MaxSessionTimeoutMs = 10_000_000 });
        var (_, join) = await h.JoinNewAsync(Group, sessionMs: 1_000_000);
        var member = await join.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        await h.SyncAsync(Group, member).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        await h.CommitAsync(Group, member, "t", 0, 10);
        await h.AdvanceAsync(120_000);
        Assert.Equal(0, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(10, (await h.CommittedAsync(Group, "t", 0)));
    }

    [Fact]
    public async Task Expiry_InAStableGroup_RemovesOnlyOffsetsOfTopicsNoLongerSubscribed()
    {
        await using var h = await GroupHarness.StartAsync(GroupHarness.DefaultOptions with { MaxSessionTimeoutMs = 10_000_000 });
        var (_, join) = await h.JoinNewAsync(Group, sessionMs: 1_000_000);
        var member = await join.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        await h.SyncAsync(Group, member).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        await h.CommitAsync(Group, member, "t", 0, 10);
        await h.CommitAsync(Group, member, "dropped-topic", 0, 20);
        await h.AdvanceAsync(60_000);
        Assert.Equal(1, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(10, (await h.CommittedAsync(Group, "t", 0)));
        Assert.Null((await h.CommittedAsync(Group, "dropped-topic", 0)));
    }

    [Fact]
    public async Task Expiry_OfManualCommits_CountsFromEachCommit()
    {
        await using var h = await GroupHarness.StartAsync();
        await h.CommitAsync("manual", null, "t", 0, 1);
        await h.AdvanceAsync(30_000);
        await h.CommitAsync("manual", null, "t", 1, 2);
        await h.AdvanceAsync(30_000);
        Assert.Equal(1, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Null((await h.CommittedAsync("manual", "t", 0)));
        Assert.Equal(2, (await h.CommittedAsync("manual", "t", 1)));
    }

    [Fact]
    public async Task Expiry_HonoursTheOldRetentionTimeField()
    {
        await using var h = await GroupHarness.StartAsync();
        var member = await h.FormSingleMemberGroupAsync(Group);
        await h.CommitAsync(Group, member, "t", 0, 1, retentionMs: 5_000);
        await h.AdvanceAsync(5_000);
        Assert.Equal(1, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Null((await h.CommittedAsync(Group, "t", 0)));
    }

    [Fact]
    public async Task Expiry_RunsByItselfEveryCheckInterval()
    {
        await using var h = await GroupHarness.StartAsync(GroupHarness.DefaultOptions with { OffsetsRetentionCheckIntervalMs = 10_000 });
        await h.CommitAsync("manual", null, "t", 0, 1);
        await h.AdvanceAsync(70_000);
        await Eventually.TrueAsync(async () => (await h.CommittedAsync("manual", "t", 0)) is null, "the manual offset expired by itself");
    }

    [Fact]
    public async Task OffsetDelete_RefusesSubscribedTopicsAndDeletesOthers()
    {
        await using var h = await GroupHarness.StartAsync();
        var member = await h.FormSingleMemberGroupAsync(Group);
        await h.CommitAsync(Group, member, "t", 0, 1);
        await h.CommitAsync(Group, member, "old", 0, 2);
        var result = await h.Coordinator.DeleteOffsetsAsync(Group, [new TopicPartition("t", 0), new TopicPartition("old", 0)], TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, result.Error);
        Assert.Equal([ErrorCode.GroupSubscribedToTopic, ErrorCode.None], result.PartitionErrors);
        Assert.Equal(1, (await h.CommittedAsync(Group, "t", 0)));
        Assert.Null((await h.CommittedAsync(Group, "old", 0)));
        var missing = await h.Coordinator.DeleteOffsetsAsync("nope", [new TopicPartition("t", 0)], TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.GroupIdNotFound, missing.Error);
    }

    [Fact]
    public async Task ListGroups_FiltersByState()
    {
        await using var h = await GroupHarness.StartAsync();
        await h.FormSingleMemberGroupAsync("stable");
        await h.CommitAsync("empty", null, "t", 0, 1);
        var all = (await h.Coordinator.ListGroupsAsync(null, TestContext.Current.CancellationToken)).Groups.Select(g => (g.GroupId, g.State)).OrderBy(g => g.GroupId).ToList();
        Assert.Equal([("empty", GroupState.Empty), ("stable", GroupState.Stable)], all);
        var stable = (await h.Coordinator.ListGroupsAsync(new HashSet<GroupState> { GroupState.Stable }, TestContext.Current.CancellationToken)).Groups;
        Assert.Equal("consumer", Assert.Single(stable).ProtocolType);
    }
}
