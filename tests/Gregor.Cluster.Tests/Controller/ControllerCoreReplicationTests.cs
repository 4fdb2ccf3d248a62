using Gregor.Cluster.Controller;
using Gregor.Cluster.Controller.Core;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Time.Testing;

namespace Gregor.Cluster.Tests.Controller;

/// <summary>
/// The controller side of replication (Kafka's ReplicationControlManager / PartitionChangeBuilder):
/// AlterPartition validation, elections on fence / unfence / shutdown / re-registration, ELR,
/// ElectLeaders, reassignments and automatic leader rebalancing, each through committed records.
/// </summary>
public sealed class ControllerCoreReplicationTests
{
    private const int Self = 9;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
    private readonly ScriptedRaftClient _raft = new(Self);
    private readonly Dictionary<int, long> _epochs = [];
    private ControllerCore? _core;

    /// <summary>The active core (default options unless a test started one with others).</summary>
    private ControllerCore Core => _core ??= NewCore(new ControllerCoreOptions { NodeId = Self, ClusterId = "c1" });

    private ControllerCore NewCore(ControllerCoreOptions options)
    {
        var core = new ControllerCore(options, _raft, _time, new Random(42));
        _raft.Register(core);
        _raft.Elect(Self, 1);
        _raft.CommitAll();
        Assert.True(core.IsActive);
        return core;
    }

    private T Run<T>(Action<Action<T>> request)
    {
        T? result = default;
        var replied = false;
        request(r => (result, replied) = (r, true));
        _raft.CommitAll();
        Assert.True(replied, "no reply");
        return result!;
    }

    private void Brokers(params int[] ids)
    {
        foreach (var id in ids)
        {
            var registration = Run<BrokerRegistrationReplyData>(reply => Core.RegisterBroker(
                new(id, "c1", new Guid(id, 0, 0, [0, 0, 0, 0, 0, 0, 0, 1]), [new BrokerEndpoint("PLAINTEXT", "h" + id, 9092)], null), reply));
            Assert.Equal(ErrorCode.None, registration.Error);
            _epochs[id] = registration.BrokerEpoch;
            Unfence(id);
        }
    }

    private BrokerHeartbeatReplyData Heartbeat(int id, bool wantFence = false, bool wantShutDown = false, long? offset = null) =>
        Run<BrokerHeartbeatReplyData>(reply => Core.BrokerHeartbeat(new(id, _epochs[id], offset ?? Core.CommittedOffset, wantFence, wantShutDown), reply));

    private void Fence(int id) => Assert.True(Heartbeat(id, wantFence: true).IsFenced);

    private void Unfence(int id) => Assert.False(Heartbeat(id).IsFenced);

    private Guid Topic(string name, int[] replicas, Dictionary<string, string?>? configs = null)
    {
        var outcome = Run<CreateTopicOutcome>(reply => Core.CreateTopic(
            new CreateTopicSpec(name, -1, -1, configs ?? [], new Dictionary<int, int[]> { [0] = replicas }), false, reply));
        Assert.Equal(ErrorCode.None, outcome.Error);
        return outcome.TopicId;
    }

    private PartitionImage P(string topic = "t") => Core.Committed.Partition(topic, 0)!;

    private AlterPartitionOutcome Alter(int sender, Guid topicId, int[] isr, int? leaderEpoch = null, int? partitionEpoch = null,
        long? senderEpoch = null, IsrMember[]? members = null, LeaderRecoveryState recovery = LeaderRecoveryState.Recovered, string topic = "t")
    {
        var p = P(topic);
        var item = new AlterPartitionItem(topicId, 0, leaderEpoch ?? p.LeaderEpoch, partitionEpoch ?? p.PartitionEpoch,
            members ?? [.. isr.Select(r => new IsrMember(r, _epochs.GetValueOrDefault(r, -1)))], recovery);
        return Run<AlterPartitionOutcome>(reply => Core.AlterPartition(sender, senderEpoch ?? _epochs[sender], [item], reply));
    }

    private ErrorCode AlterError(int sender, Guid topicId, int[] isr, int? leaderEpoch = null, int? partitionEpoch = null, IsrMember[]? members = null,
        LeaderRecoveryState recovery = LeaderRecoveryState.Recovered, string topic = "t")
    {
        var outcome = Alter(sender, topicId, isr, leaderEpoch, partitionEpoch, members: members, recovery: recovery, topic: topic);
        Assert.Equal(ErrorCode.None, outcome.Error);
        return Assert.Single(outcome.Partitions).Error;
    }

    // ---- AlterPartition ----

    [Fact]
    public void AlterPartition_ShrinkAndExpand_BumpThePartitionEpochOnly_AndAnswerTheCommittedState()
    {
        Brokers(1, 2, 3);
        var id = Topic("t", [1, 2, 3]);
        var before = P();

        var shrunk = Alter(1, id, [1, 2]);

        var result = Assert.Single(shrunk.Partitions);
        Assert.Equal(ErrorCode.None, result.Error);
        Assert.Equal([1, 2], result.Isr);
        Assert.Equal((1, before.LeaderEpoch, before.PartitionEpoch + 1), (result.LeaderId, result.LeaderEpoch, result.PartitionEpoch));
        Assert.Equal([1, 2], P().Isr);
        Assert.IsType<PartitionChangeRecord>(Assert.Single(_raft.Log[^1].Records));

        var expanded = Assert.Single(Alter(1, id, [1, 2, 3]).Partitions);

        Assert.Equal(ErrorCode.None, expanded.Error);
        Assert.Equal([1, 2, 3], P().Isr);
        Assert.Equal(before.PartitionEpoch + 2, P().PartitionEpoch);
        Assert.Equal(before.LeaderEpoch, P().LeaderEpoch);
    }

    [Fact]
    public void AlterPartition_FromAStaleOrUnknownBrokerEpoch_IsStaleBrokerEpoch()
    {
        Brokers(1, 2);
        var id = Topic("t", [1, 2]);

        Assert.Equal(ErrorCode.StaleBrokerEpoch, Alter(1, id, [1], senderEpoch: _epochs[1] - 1).Error);
        Assert.Equal(ErrorCode.StaleBrokerEpoch, Run<AlterPartitionOutcome>(r => Core.AlterPartition(7, 1, [], r)).Error);
        Assert.Equal([1, 2], P().Isr);
    }

    [Fact]
    public void AlterPartition_UnknownTopicOrPartition()
    {
        Brokers(1);
        Topic("t", [1]);

        var outcome = Run<AlterPartitionOutcome>(r => Core.AlterPartition(1, _epochs[1],
            [new AlterPartitionItem(Guid.NewGuid(), 0, 0, 0, [new IsrMember(1)]), new AlterPartitionItem(Core.Committed.Topic("t")!.TopicId, 5, 0, 0, [new IsrMember(1)])], r));

        Assert.Equal([ErrorCode.UnknownTopicId, ErrorCode.UnknownTopicOrPartition], outcome.Partitions.Select(p => p.Error));
    }

    [Fact]
    public void AlterPartition_EpochAndLeaderChecks_AreKafkas()
    {
        Brokers(1, 2, 3);
        var id = Topic("t", [1, 2, 3]);
        Fence(1); // leader moves to 2: leader epoch 1
        Unfence(1);
        Assert.Equal(2, P().Leader);
        var p = P();

        Assert.Equal(ErrorCode.FencedLeaderEpoch, AlterError(2, id, [2, 3], leaderEpoch: p.LeaderEpoch - 1));
        Assert.Equal(ErrorCode.NotController, AlterError(2, id, [2, 3], leaderEpoch: p.LeaderEpoch + 1));
        Assert.Equal(ErrorCode.NotController, AlterError(2, id, [2, 3], partitionEpoch: p.PartitionEpoch + 1));
        Assert.Equal(ErrorCode.InvalidRequest, AlterError(3, id, [2, 3])); // not the leader
        Assert.Equal(ErrorCode.InvalidUpdateVersion, AlterError(2, id, [2, 3], partitionEpoch: p.PartitionEpoch - 1));
        Assert.Equal(p, P()); // nothing changed
    }

    [Fact]
    public void AlterPartition_AnIsrThatIsNotASubsetOfTheReplicasOrLacksTheLeader_IsInvalidRequest()
    {
        Brokers(1, 2, 3, 4);
        var id = Topic("t", [1, 2, 3]);

        Assert.Equal(ErrorCode.InvalidRequest, AlterError(1, id, [1, 4]));
        Assert.Equal(ErrorCode.InvalidRequest, AlterError(1, id, [2, 3]));
        Assert.Equal(ErrorCode.InvalidRequest, AlterError(1, id, [1, 2, 2]));
        Assert.Equal(ErrorCode.InvalidRequest, AlterError(1, id, []));
        Assert.Equal(ErrorCode.InvalidRequest, AlterError(1, id, [1, 2], recovery: LeaderRecoveryState.Recovering)); // recovered cannot go back
        Assert.Equal([1, 2, 3], P().Isr);
    }

    public static TheoryData<string> IneligibleCases => ["fenced", "controlled-shutdown", "stale-epoch"];

    [Theory]
    [MemberData(nameof(IneligibleCases))]
    public void AlterPartition_AddingAnIneligibleReplica_IsIneligibleReplica(string why)
    {
        Brokers(1, 2, 3);
        var id = Topic("t", [1, 2, 3]);
        Assert.Equal(ErrorCode.None, AlterError(1, id, [1, 2]));
        IsrMember[] members = [new(1, _epochs[1]), new(2, _epochs[2]), new(3, _epochs[3])];
        switch (why)
        {
            case "fenced":
                Fence(3);
                break;
            case "controlled-shutdown":
                Topic("u", [3, 1]); // something to lead, so it stays in controlled shutdown
                Assert.False(Heartbeat(3, wantShutDown: true, offset: 0).ShouldShutDown);
                Assert.True(Core.Committed.Brokers[3] is { InControlledShutdown: true, Fenced: false });
                break;
            default:
                members[2] = new IsrMember(3, _epochs[3] + 100);
                break;
        }

        var isrBefore = P().Isr;
        var error = AlterError(1, id, [], members: members);

        Assert.Equal(ErrorCode.IneligibleReplica, error);
        Assert.Equal(isrBefore, P().Isr);
    }

    [Fact]
    public void AlterPartition_ABrokerEpochOfMinusOne_IsNotChecked()
    {
        Brokers(1, 2);
        var id = Topic("t", [1, 2]);
        Assert.Equal(ErrorCode.None, AlterError(1, id, [1]));

        Assert.Equal(ErrorCode.IneligibleReplica, AlterError(1, id, [], members: [new(1, _epochs[1]), new(2, _epochs[2] + 5)]));
        Assert.Equal(ErrorCode.None, AlterError(1, id, [], members: [new(1, _epochs[1]), new(2, -1)])); // -1: the epoch is not checked
        Assert.Equal([1, 2], P().Isr);
    }

    [Fact]
    public void AlterPartition_TwoItemsForOnePartition_TheSecondSeesTheFirst()
    {
        Brokers(1, 2, 3);
        var id = Topic("t", [1, 2, 3]);
        var p = P();
        AlterPartitionItem Item(params int[] isr) => new(id, 0, p.LeaderEpoch, p.PartitionEpoch, [.. isr.Select(r => new IsrMember(r))]);

        var outcome = Run<AlterPartitionOutcome>(r => Core.AlterPartition(1, _epochs[1], [Item(1, 2), Item(1)], r));

        Assert.Equal([ErrorCode.None, ErrorCode.InvalidUpdateVersion], outcome.Partitions.Select(x => x.Error));
        Assert.Equal([1, 2], P().Isr);
        Assert.Equal(p.PartitionEpoch + 1, P().PartitionEpoch);
    }

    // ---- elections on broker events ----

    [Fact]
    public void FencingTheLeader_ElectsTheFirstLiveIsrMemberInReplicaOrder_AndShrinksTheIsr()
    {
        Brokers(1, 2, 3);
        Topic("t", [1, 3, 2]);
        var before = P();

        Fence(1);

        var after = P();
        Assert.Equal(3, after.Leader);
        Assert.Equal([3, 2], after.Isr);
        Assert.Equal(before.LeaderEpoch + 1, after.LeaderEpoch);
        Assert.Equal(before.PartitionEpoch + 1, after.PartitionEpoch);
        Assert.Empty(after.Elr); // ISR 2 >= min ISR 1
        var batch = _raft.Log[^1].Records;
        Assert.IsType<PartitionChangeRecord>(batch[0]); // the elections come before the fence, in one batch
        Assert.IsType<FenceBrokerRecord>(batch[^1]);
    }

    [Fact]
    public void FencingAFollower_OnlyShrinksTheIsr()
    {
        Brokers(1, 2, 3);
        Topic("t", [1, 2, 3]);
        var before = P();

        Fence(3);

        Assert.Equal((1, before.LeaderEpoch, before.PartitionEpoch + 1), (P().Leader, P().LeaderEpoch, P().PartitionEpoch));
        Assert.Equal([1, 2], P().Isr);
    }

    [Fact]
    public void SessionTimeout_FencesAndMovesLeadership()
    {
        Brokers(1, 2);
        Topic("t", [1, 2]);
        _time.Advance(TimeSpan.FromMilliseconds(5_000));
        Heartbeat(2);
        _time.Advance(TimeSpan.FromMilliseconds(5_000));

        Core.Tick();
        _raft.CommitAll();

        Assert.True(Core.Committed.Brokers[1].Fenced);
        Assert.Equal(2, P().Leader);
        Assert.Equal([2], P().Isr);
    }

    [Fact]
    public void BelowMinIsr_LeavingReplicasJoinTheElr_AndTheElrElectsWhenTheIsrIsEmpty()
    {
        Brokers(1, 2, 3);
        Topic("t", [1, 2, 3], new() { ["min.insync.replicas"] = "2" });

        Fence(1);
        Assert.Equal([2, 3], P().Isr);
        Assert.Equal(2, P().Leader);
        Assert.Empty(P().Elr); // ISR 2 >= min ISR 2

        Fence(2);
        Assert.Equal([3], P().Isr);
        Assert.Equal(3, P().Leader);
        Assert.Equal([2], P().Elr); // left while below min ISR: still has every committed record

        Fence(3);
        Assert.Equal(-1, P().Leader);
        Assert.Empty(P().Isr);
        Assert.Equal([2, 3], P().Elr);
        Assert.Equal([3], P().LastKnownElr);

        Unfence(1); // not in the ELR: may have missed committed records
        Assert.Equal(-1, P().Leader);

        Unfence(2);
        Assert.Equal(2, P().Leader);
        Assert.Equal([2], P().Isr);
        Assert.Equal([3], P().Elr);
        Assert.Empty(P().LastKnownElr);
        Assert.Equal(LeaderRecoveryState.Recovered, P().LeaderRecoveryState);
    }

    [Fact]
    public void WithoutUncleanElection_ALeaderlessPartitionWaitsForItsIsr()
    {
        Brokers(1, 2);
        var id = Topic("t", [1, 2]);
        Assert.Equal(ErrorCode.None, AlterError(1, id, [1]));

        Fence(1);

        Assert.Equal(-1, P().Leader);
        Assert.Equal([1], P().Elr);
        Assert.Empty(P().Isr);
    }

    [Fact]
    public void WithUncleanElection_AnOutOfSyncReplicaLeadsAndRecovers()
    {
        Brokers(1, 2);
        var id = Topic("t", [1, 2], new() { ["unclean.leader.election.enable"] = "true" });
        Assert.Equal(ErrorCode.None, AlterError(1, id, [1]));

        Fence(1);

        Assert.Equal(2, P().Leader);
        Assert.Equal([2], P().Isr);
        Assert.Empty(P().Elr);
        Assert.Equal(LeaderRecoveryState.Recovering, P().LeaderRecoveryState);

        Assert.Equal(ErrorCode.InvalidRequest, AlterError(2, id, [2, 1], recovery: LeaderRecoveryState.Recovering)); // recovering: alone in the ISR
        Assert.Equal(ErrorCode.None, AlterError(2, id, [2], recovery: LeaderRecoveryState.Recovered));
        Assert.Equal(LeaderRecoveryState.Recovered, P().LeaderRecoveryState);
    }

    [Fact]
    public void ControlledShutdown_MovesLeadershipAwayFirst_ThenLetsTheBrokerGoOnceItHasSeenIt()
    {
        Brokers(1, 2, 3);
        Topic("t", [1, 2, 3]);
        var offsetBefore = Core.CommittedOffset;

        var first = Heartbeat(1, wantShutDown: true, offset: offsetBefore);

        Assert.False(first.ShouldShutDown);
        Assert.Equal(2, P().Leader);
        Assert.Equal([2, 3], P().Isr);
        Assert.True(Core.Committed.Brokers[1].InControlledShutdown);
        Assert.False(Heartbeat(1, wantShutDown: true, offset: offsetBefore).ShouldShutDown); // has not seen the move yet

        var last = Heartbeat(1, wantShutDown: true);

        Assert.True(last.ShouldShutDown);
        Assert.True(Core.Committed.Brokers[1].Fenced);
        Assert.Equal(2, P().Leader);
    }

    [Fact]
    public void ANewIncarnation_LeavesEveryIsrAndLeadership_UntilItCatchesUp()
    {
        Brokers(1, 2);
        Topic("t", [1, 2]);

        var registration = Run<BrokerRegistrationReplyData>(reply => Core.RegisterBroker(
            new(1, "c1", Guid.NewGuid(), [new BrokerEndpoint("PLAINTEXT", "h1", 9092)], null), reply));

        Assert.Equal(ErrorCode.DuplicateBrokerRegistration, registration.Error); // the old session still lives
        _time.Advance(TimeSpan.FromMilliseconds(10_000));
        Heartbeat(2);
        registration = Run<BrokerRegistrationReplyData>(reply => Core.RegisterBroker(
            new(1, "c1", Guid.NewGuid(), [new BrokerEndpoint("PLAINTEXT", "h1", 9092)], null), reply));
        Assert.Equal(ErrorCode.None, registration.Error);
        Assert.Equal(2, P().Leader);
        Assert.Equal([2], P().Isr);
        Assert.Equal(registration.BrokerEpoch, Core.Committed.Brokers[1].Epoch);
    }

    // ---- ElectLeaders ----

    [Fact]
    public void PreferredElection_MovesLeadershipBack_OrSaysWhyNot()
    {
        Brokers(1, 2, 3);
        Topic("t", [1, 2, 3]);
        Fence(1);
        Unfence(1);
        var id = Core.Committed.Topic("t")!.TopicId;
        Assert.Equal(ErrorCode.None, AlterError(2, id, [2, 3, 1]));
        Assert.Equal(2, P().Leader);
        var epoch = P().LeaderEpoch;

        var elected = Run<ElectLeadersOutcome>(r => Core.ElectLeaders(ElectionType.Preferred, [new TopicPartition("t", 0)], r));

        Assert.Equal(ErrorCode.None, Assert.Single(elected.Partitions).Error);
        Assert.Equal(1, P().Leader);
        Assert.Equal(epoch + 1, P().LeaderEpoch);

        var again = Run<ElectLeadersOutcome>(r => Core.ElectLeaders(ElectionType.Preferred, [new TopicPartition("t", 0), new TopicPartition("nope", 0), new TopicPartition("t", 4)], r));
        Assert.Equal([ErrorCode.ElectionNotNeeded, ErrorCode.UnknownTopicOrPartition, ErrorCode.UnknownTopicOrPartition], again.Partitions.Select(p => p.Error));

        Fence(1);
        Unfence(1); // back, but not in the ISR
        var unavailable = Run<ElectLeadersOutcome>(r => Core.ElectLeaders(ElectionType.Preferred, [new TopicPartition("t", 0)], r));
        Assert.Equal(ErrorCode.PreferredLeaderNotAvailable, Assert.Single(unavailable.Partitions).Error);
    }

    [Fact]
    public void ElectingEveryPartition_LeavesOutThoseThatNeedNoElection()
    {
        Brokers(1, 2);
        Topic("a", [1, 2]);
        Topic("b", [2, 1]);
        Fence(1);
        Unfence(1);
        var id = Core.Committed.Topic("a")!.TopicId;
        Assert.Equal(ErrorCode.None, AlterError(2, id, [2, 1], topic: "a"));

        var outcome = Run<ElectLeadersOutcome>(r => Core.ElectLeaders(ElectionType.Preferred, null, r));

        var result = Assert.Single(outcome.Partitions);
        Assert.Equal(("a", ErrorCode.None), (result.Topic, result.Error));
        Assert.Equal(1, Core.Committed.Partition("a", 0)!.Leader);
    }

    [Fact]
    public void UncleanElection_ElectsAnyLiveReplicaOfALeaderlessPartitionOnly()
    {
        Brokers(1, 2);
        var id = Topic("t", [1, 2]);
        Assert.Equal(ErrorCode.None, AlterError(1, id, [1]));

        var notNeeded = Run<ElectLeadersOutcome>(r => Core.ElectLeaders(ElectionType.Unclean, [new TopicPartition("t", 0)], r));
        Assert.Equal(ErrorCode.ElectionNotNeeded, Assert.Single(notNeeded.Partitions).Error);

        Fence(1);
        Fence(2);
        var none = Run<ElectLeadersOutcome>(r => Core.ElectLeaders(ElectionType.Unclean, [new TopicPartition("t", 0)], r));
        Assert.Equal(ErrorCode.EligibleLeadersNotAvailable, Assert.Single(none.Partitions).Error);

        Unfence(2);
        Assert.Equal(-1, P().Leader); // 2 is neither in the ISR nor the ELR
        var unclean = Run<ElectLeadersOutcome>(r => Core.ElectLeaders(ElectionType.Unclean, [new TopicPartition("t", 0)], r));
        Assert.Equal(ErrorCode.None, Assert.Single(unclean.Partitions).Error);
        Assert.Equal((2, LeaderRecoveryState.Recovering), (P().Leader, P().LeaderRecoveryState));
        Assert.Equal([2], P().Isr);
    }

    [Fact]
    public void UnknownElectionType_IsInvalidRequest()
    {
        Assert.Equal(ErrorCode.InvalidRequest, Run<ElectLeadersOutcome>(r => Core.ElectLeaders((ElectionType)7, null, r)).Error);
    }

    // ---- automatic leader rebalance ----

    [Fact]
    public void AutoLeaderRebalance_ElectsPreferredLeadersEveryCheckInterval()
    {
        Brokers(1, 2);
        Topic("t", [1, 2]);
        Fence(1);
        Unfence(1);
        var id = Core.Committed.Topic("t")!.TopicId;
        Assert.Equal(ErrorCode.None, AlterError(2, id, [2, 1]));
        Assert.Equal(2, P().Leader);

        _time.Advance(TimeSpan.FromSeconds(200));
        Heartbeat(1);
        Heartbeat(2);
        Core.Tick();
        _raft.CommitAll();
        Assert.Equal(2, P().Leader); // not yet: 300 s

        _time.Advance(TimeSpan.FromSeconds(101));
        Heartbeat(1);
        Heartbeat(2);
        Assert.True(Core.NextDeadlineMs <= _time.GetUtcNow().ToUnixTimeMilliseconds());
        Core.Tick();
        _raft.CommitAll();

        Assert.Equal(1, P().Leader);
    }

    [Fact]
    public void AutoLeaderRebalance_Off_LeavesLeadersAlone()
    {
        _core = NewCore(new ControllerCoreOptions { NodeId = Self, ClusterId = "c1", AutoLeaderRebalanceEnable = false });
        Brokers(1, 2);
        Topic("t", [1, 2]);
        Fence(1);
        Unfence(1);
        Assert.Equal(ErrorCode.None, AlterError(2, Core.Committed.Topic("t")!.TopicId, [2, 1]));

        _time.Advance(TimeSpan.FromSeconds(301));
        Heartbeat(1);
        Heartbeat(2);
        Core.Tick();
        _raft.CommitAll();

        Assert.Equal(2, P().Leader);
    }

    // ---- reassignments ----

    [Fact]
    public void Reassignment_AddsReplicas_CompletesWhenTheyJoinTheIsr_AndRaisesTheReplicationFactor()
    {
        Brokers(1, 2, 3);
        var id = Topic("t", [1]);

        var started = Run<AlterPartitionReassignmentsOutcome>(r => Core.AlterPartitionReassignments([new("t", 0, [1, 2, 3])], true, r));

        Assert.Equal(ErrorCode.None, Assert.Single(started.Partitions).Error);
        Assert.Equal([1, 2, 3], P().Replicas);
        Assert.Equal([2, 3], P().AddingReplicas);
        Assert.Equal([1], P().Isr);
        var listed = Assert.Single(Run<ListPartitionReassignmentsOutcome>(r => Core.ListPartitionReassignments(null, r)).Reassignments);
        Assert.Equal(("t", 0), (listed.Topic, listed.Partition));
        Assert.Equal([2, 3], listed.AddingReplicas);
        Assert.Empty(listed.RemovingReplicas);

        Assert.Equal(ErrorCode.None, AlterError(1, id, [1, 2]));
        Assert.True(P().IsReassigning); // 3 is not in sync yet
        Assert.Equal(ErrorCode.None, AlterError(1, id, [1, 2, 3]));

        Assert.False(P().IsReassigning);
        Assert.Equal([1, 2, 3], P().Replicas);
        Assert.Empty(Run<ListPartitionReassignmentsOutcome>(r => Core.ListPartitionReassignments([new TopicPartition("t", 0)], r)).Reassignments);
    }

    [Fact]
    public void Reassignment_AwayFromTheLeader_MovesLeadershipAndDropsTheOldReplica()
    {
        Brokers(1, 2, 3);
        var id = Topic("t", [1, 2]);

        Run<AlterPartitionReassignmentsOutcome>(r => Core.AlterPartitionReassignments([new("t", 0, [3, 2])], true, r));
        Assert.Equal([3, 2, 1], P().Replicas);
        Assert.Equal([1], P().RemovingReplicas);
        Assert.Equal([3], P().AddingReplicas);
        var epoch = P().LeaderEpoch;

        var result = Alter(1, id, [1, 2, 3]);

        Assert.Equal(ErrorCode.NewLeaderElected, Assert.Single(result.Partitions).Error);
        Assert.Equal([3, 2], P().Replicas);
        Assert.Equal([2, 3], P().Isr);
        Assert.Equal(3, P().Leader); // the first target replica in the ISR
        Assert.Equal(epoch + 1, P().LeaderEpoch);
        Assert.False(P().IsReassigning);
    }

    [Fact]
    public void Reassignment_ThatOnlyReordersReplicas_CompletesAtOnce()
    {
        Brokers(1, 2);
        Topic("t", [1, 2]);

        Run<AlterPartitionReassignmentsOutcome>(r => Core.AlterPartitionReassignments([new("t", 0, [2, 1])], false, r));

        Assert.Equal([2, 1], P().Replicas);
        Assert.False(P().IsReassigning);
        Assert.Equal(1, P().Leader);
    }

    [Fact]
    public void Reassignment_Cancel_RestoresTheOriginalReplicas()
    {
        Brokers(1, 2, 3);
        Topic("t", [1, 2]);
        Run<AlterPartitionReassignmentsOutcome>(r => Core.AlterPartitionReassignments([new("t", 0, [1, 3])], true, r));
        Assert.True(P().IsReassigning);

        var cancelled = Run<AlterPartitionReassignmentsOutcome>(r => Core.AlterPartitionReassignments([new("t", 0, null)], true, r));

        Assert.Equal(ErrorCode.None, Assert.Single(cancelled.Partitions).Error);
        Assert.Equal([1, 2], P().Replicas);
        Assert.False(P().IsReassigning);
        Assert.Equal([1, 2], P().Isr);

        var again = Run<AlterPartitionReassignmentsOutcome>(r => Core.AlterPartitionReassignments([new("t", 0, null)], true, r));
        Assert.Equal(ErrorCode.NoReassignmentInProgress, Assert.Single(again.Partitions).Error);
    }

    [Fact]
    public void Reassignment_InvalidTargets_AreRefusedWithKafkasErrors()
    {
        Brokers(1, 2);
        Topic("t", [1, 2]);

        var outcome = Run<AlterPartitionReassignmentsOutcome>(r => Core.AlterPartitionReassignments(
            [new("t", 0, []), new("t", 0, [1, 1]), new("t", 0, [1, 7]), new("nope", 0, [1]), new("t", 3, [1])], true, r));
        var rf = Run<AlterPartitionReassignmentsOutcome>(r => Core.AlterPartitionReassignments([new("t", 0, [1])], false, r));

        Assert.Equal(
            [ErrorCode.InvalidReplicaAssignment, ErrorCode.InvalidReplicaAssignment, ErrorCode.InvalidReplicaAssignment,
             ErrorCode.UnknownTopicOrPartition, ErrorCode.UnknownTopicOrPartition],
            outcome.Partitions.Select(p => p.Error));
        Assert.Equal(ErrorCode.InvalidReplicationFactor, Assert.Single(rf.Partitions).Error);
        Assert.Equal([1, 2], P().Replicas);
    }

    // ---- records and image ----

    [Fact]
    public void PartitionsAreWrittenAtVersion2WithTheirElr_AndASnapshotReplaysThem()
    {
        Brokers(1, 2, 3);
        Topic("t", [1, 2, 3], new() { ["min.insync.replicas"] = "2" });
        Run<AlterPartitionReassignmentsOutcome>(r => Core.AlterPartitionReassignments([new("t", 0, [1, 2])], true, r));
        Fence(1);
        Fence(2);

        var created = _raft.Log.SelectMany(b => b.Records).OfType<PartitionRecord>().Single();
        Assert.Equal(2, created.Version);
        Assert.All(_raft.Log.SelectMany(b => b.Records).OfType<PartitionChangeRecord>(), c => Assert.Equal(2, c.Version));
        var image = Core.Committed;
        var restored = MetadataImageRecords.Read("c1", Self, image.Offset, MetadataImageRecords.Write(image));
        Assert.True(MetadataImageRecords.Equivalent(image, restored));
        Assert.Equal(image.Partition("t", 0)!.Elr, restored.Partition("t", 0)!.Elr);
        Assert.NotEmpty(restored.Partition("t", 0)!.Elr);
    }
}
