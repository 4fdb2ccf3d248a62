using Gregor.Broker.Groups;
using Gregor.Broker.Groups.Records;
using Gregor.Protocol;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Tests.Groups;

public sealed class OffsetStoreTests
{
    private const string Group = "g1";

    [Fact]
    public async Task Commit_ByTheCurrentGeneration_IsFetchedBackAndWrittenToTheGroupsPartition()
    {
        using var h = await GroupHarness.StartAsync();
        var member = await h.FormSingleMemberGroupAsync(Group);
        Assert.Equal([ErrorCode.None], await h.CommitAsync(Group, member, "t", 0, 42));
        var fetched = h.Coordinator.FetchOffsets(Group, null);
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
        using var h = await GroupHarness.StartAsync();
        Assert.Null(h.Committed(Group, "t", 3));
        Assert.Empty(h.Coordinator.FetchOffsets("unknown", null).Partitions);
    }

    [Fact]
    public async Task Commit_WithStaleGenerationOrUnknownMember_IsRejected()
    {
        using var h = await GroupHarness.StartAsync();
        var member = await h.FormSingleMemberGroupAsync(Group);
        Assert.Equal([ErrorCode.IllegalGeneration], await h.CommitAsync(Group, member with { GenerationId = member.GenerationId - 1 }, "t", 0, 1));
        Assert.Equal([ErrorCode.UnknownMemberId], await h.CommitAsync(Group, member with { MemberId = "ghost" }, "t", 0, 1));
        Assert.Equal([ErrorCode.UnknownMemberId], await h.CommitAsync(Group, null, "t", 0, 1));
        Assert.Equal([ErrorCode.IllegalGeneration], await h.CommitAsync("no-such-group", member, "t", 0, 1));
        Assert.Null(h.Committed(Group, "t", 0));
    }

    [Fact]
    public async Task Commit_DuringCompletingRebalance_ReturnsRebalanceInProgress()
    {
        using var h = await GroupHarness.StartAsync();
        var (_, join) = await h.JoinNewAsync(Group);
        var joined = await join.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        Assert.Equal([ErrorCode.RebalanceInProgress], await h.CommitAsync(Group, joined, "t", 0, 1));
    }

    [Fact]
    public async Task Commit_WithoutGroupManagement_CreatesAnEmptyGroup()
    {
        using var h = await GroupHarness.StartAsync();
        Assert.Equal([ErrorCode.None], await h.CommitAsync("manual", null, "t", 1, 9));
        Assert.Equal(9, h.Committed("manual", "t", 1));
        Assert.Equal(GroupState.Empty, h.Coordinator.DescribeGroup("manual").State);
    }

    [Fact]
    public async Task Commit_WithOversizedMetadata_FailsOnlyThatPartition()
    {
        using var h = await GroupHarness.StartAsync(GroupHarness.DefaultOptions with { OffsetMetadataMaxBytes = 3 });
        var result = await h.Coordinator.CommitOffsetsAsync(
            new OffsetCommitParameters(Group, -1, "", null, -1, [new OffsetCommitEntry("t", 0, 1, -1, "toolong"), new OffsetCommitEntry("t", 1, 2, -1, "ok")]),
            TestContext.Current.CancellationToken);
        Assert.Equal([ErrorCode.OffsetMetadataTooLarge, ErrorCode.None], result);
        Assert.Null(h.Committed(Group, "t", 0));
        Assert.Equal(2, h.Committed(Group, "t", 1));
    }

    [Fact]
    public async Task Commit_WhenTheLogFails_ReturnsCoordinatorNotAvailableAndKeepsNothing()
    {
        using var h = await GroupHarness.StartAsync();
        h.Store.FailAppendsWith = new IOException("disk full");
        Assert.Equal([ErrorCode.CoordinatorNotAvailable], await h.CommitAsync(Group, null, "t", 0, 5));
        Assert.Null(h.Committed(Group, "t", 0));
    }

    [Fact]
    public async Task Restart_OnTheSameLog_RestoresOffsetsAndTheStableGroup()
    {
        var store = new InMemoryGroupLogStore();
        JoinGroupResult member;
        using (var h = await GroupHarness.StartAsync(store: store))
        {
            member = await h.FormSingleMemberGroupAsync(Group, [4, 2]);
            await h.CommitAsync(Group, member, "t", 0, 10);
            await h.CommitAsync(Group, member, "t", 0, 11);
            await h.CommitAsync(Group, member, "t", 1, 20);
            await h.CommitAsync("manual", null, "x", 0, 5);
        }
        using var restarted = await GroupHarness.StartAsync(store: store);
        Assert.Equal(11, restarted.Committed(Group, "t", 0));
        Assert.Equal(20, restarted.Committed(Group, "t", 1));
        Assert.Equal(5, restarted.Committed("manual", "x", 0));
        var description = restarted.Coordinator.DescribeGroup(Group);
        Assert.Equal(GroupState.Stable, description.State);
        Assert.Equal([4, 2], Assert.Single(description.Members).Assignment);
        // The member carries on with its generation after the restart.
        Assert.Equal(ErrorCode.None, restarted.Coordinator.Heartbeat(Group, member.MemberId, null, member.GenerationId));
        Assert.Equal([ErrorCode.None], await restarted.CommitAsync(Group, member, "t", 0, 12));
    }

    [Fact]
    public async Task Restart_AfterDeleteGroup_DoesNotBringTheGroupBack()
    {
        var store = new InMemoryGroupLogStore();
        using (var h = await GroupHarness.StartAsync(store: store))
        {
            var member = await h.FormSingleMemberGroupAsync(Group);
            await h.CommitAsync(Group, member, "t", 0, 10);
            Assert.Equal(ErrorCode.NonEmptyGroup, await h.Coordinator.DeleteGroupAsync(Group, TestContext.Current.CancellationToken));
            await h.Coordinator.LeaveGroupAsync(Group, [new LeaveGroupMember(member.MemberId, null)], TestContext.Current.CancellationToken);
            Assert.Equal(ErrorCode.None, await h.Coordinator.DeleteGroupAsync(Group, TestContext.Current.CancellationToken));
            Assert.Equal(ErrorCode.GroupIdNotFound, await h.Coordinator.DeleteGroupAsync(Group, TestContext.Current.CancellationToken));
            Assert.Null(h.Committed(Group, "t", 0));
        }
        using var restarted = await GroupHarness.StartAsync(store: store);
        Assert.Null(restarted.Committed(Group, "t", 0));
        Assert.False(restarted.Coordinator.DescribeGroup(Group).Exists);
        Assert.Empty(restarted.Coordinator.ListGroups(null).Groups);
    }

    [Fact]
    public async Task Expiry_RemovesOffsetsOfAnEmptyGroupAfterRetention_AndTheGroupWithThem()
    {
        using var h = await GroupHarness.StartAsync();
        var member = await h.FormSingleMemberGroupAsync(Group);
        await h.CommitAsync(Group, member, "t", 0, 10);
        await h.Coordinator.LeaveGroupAsync(Group, [new LeaveGroupMember(member.MemberId, null)], TestContext.Current.CancellationToken);
        h.Advance(59_000);
        Assert.Equal(0, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(10, h.Committed(Group, "t", 0));
        h.Advance(1_000);
        Assert.Equal(1, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Null(h.Committed(Group, "t", 0));
        Assert.False(h.Coordinator.DescribeGroup(Group).Exists);
        var records = h.Store.Records(GroupPartitioner.PartitionFor(Group, 50));
        Assert.Contains(records, r => r.Value is null && GroupRecordKey.Read(r.Key).Kind == GroupRecordKind.OffsetCommit);
        Assert.Equal(GroupRecordKind.GroupMetadata, GroupRecordKey.Read(records[^1].Key).Kind);
        Assert.Null(records[^1].Value);
    }

    [Fact]
    public async Task Expiry_KeepsOffsetsOfAStableGroup()
    {
        using var h = await GroupHarness.StartAsync(GroupHarness.DefaultOptions with { MaxSessionTimeoutMs = 10_000_000 });
        var (_, join) = await h.JoinNewAsync(Group, sessionMs: 1_000_000);
        var member = await join.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        await h.SyncAsync(Group, member).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        await h.CommitAsync(Group, member, "t", 0, 10);
        h.Advance(120_000);
        Assert.Equal(0, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(10, h.Committed(Group, "t", 0));
    }

    [Fact]
    public async Task Expiry_InAStableGroup_RemovesOnlyOffsetsOfTopicsNoLongerSubscribed()
    {
        using var h = await GroupHarness.StartAsync(GroupHarness.DefaultOptions with { MaxSessionTimeoutMs = 10_000_000 });
        var (_, join) = await h.JoinNewAsync(Group, sessionMs: 1_000_000);
        var member = await join.WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        await h.SyncAsync(Group, member).WaitAsync(GroupHarness.Wait, TestContext.Current.CancellationToken);
        await h.CommitAsync(Group, member, "t", 0, 10);
        await h.CommitAsync(Group, member, "dropped-topic", 0, 20);
        h.Advance(60_000);
        Assert.Equal(1, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Equal(10, h.Committed(Group, "t", 0));
        Assert.Null(h.Committed(Group, "dropped-topic", 0));
    }

    [Fact]
    public async Task Expiry_OfManualCommits_CountsFromEachCommit()
    {
        using var h = await GroupHarness.StartAsync();
        await h.CommitAsync("manual", null, "t", 0, 1);
        h.Advance(30_000);
        await h.CommitAsync("manual", null, "t", 1, 2);
        h.Advance(30_000);
        Assert.Equal(1, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Null(h.Committed("manual", "t", 0));
        Assert.Equal(2, h.Committed("manual", "t", 1));
    }

    [Fact]
    public async Task Expiry_HonoursTheOldRetentionTimeField()
    {
        using var h = await GroupHarness.StartAsync();
        var member = await h.FormSingleMemberGroupAsync(Group);
        await h.CommitAsync(Group, member, "t", 0, 1, retentionMs: 5_000);
        h.Advance(5_000);
        Assert.Equal(1, await h.Coordinator.ExpireOffsetsAsync(TestContext.Current.CancellationToken));
        Assert.Null(h.Committed(Group, "t", 0));
    }

    [Fact]
    public async Task Expiry_RunsByItselfEveryCheckInterval()
    {
        using var h = await GroupHarness.StartAsync(GroupHarness.DefaultOptions with { OffsetsRetentionCheckIntervalMs = 10_000 });
        await h.CommitAsync("manual", null, "t", 0, 1);
        h.Advance(70_000);
        await WaitUntil(() => h.Committed("manual", "t", 0) is null);
    }

    [Fact]
    public async Task OffsetDelete_RefusesSubscribedTopicsAndDeletesOthers()
    {
        using var h = await GroupHarness.StartAsync();
        var member = await h.FormSingleMemberGroupAsync(Group);
        await h.CommitAsync(Group, member, "t", 0, 1);
        await h.CommitAsync(Group, member, "old", 0, 2);
        var result = await h.Coordinator.DeleteOffsetsAsync(Group, [new TopicPartition("t", 0), new TopicPartition("old", 0)], TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.None, result.Error);
        Assert.Equal([ErrorCode.GroupSubscribedToTopic, ErrorCode.None], result.PartitionErrors);
        Assert.Equal(1, h.Committed(Group, "t", 0));
        Assert.Null(h.Committed(Group, "old", 0));
        var missing = await h.Coordinator.DeleteOffsetsAsync("nope", [new TopicPartition("t", 0)], TestContext.Current.CancellationToken);
        Assert.Equal(ErrorCode.GroupIdNotFound, missing.Error);
    }

    [Fact]
    public async Task ListGroups_FiltersByState()
    {
        using var h = await GroupHarness.StartAsync();
        await h.FormSingleMemberGroupAsync("stable");
        await h.CommitAsync("empty", null, "t", 0, 1);
        var all = h.Coordinator.ListGroups(null).Groups.Select(g => (g.GroupId, g.State)).OrderBy(g => g.GroupId).ToList();
        Assert.Equal([("empty", GroupState.Empty), ("stable", GroupState.Stable)], all);
        var stable = h.Coordinator.ListGroups(new HashSet<GroupState> { GroupState.Stable }).Groups;
        Assert.Equal("consumer", Assert.Single(stable).ProtocolType);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + GroupHarness.Wait;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in time");
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }
    }
}
