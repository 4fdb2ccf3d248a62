using Gregor.Cluster.Controller;
using Gregor.Cluster.Controller.Core;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Time.Testing;

namespace Gregor.Cluster.Tests.Controller;

public sealed class ControllerCoreTests
{
    private const int Self = 1;
    private static readonly Dictionary<string, string?> NoConfigs = [];

    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
    private readonly ScriptedRaftClient _raft = new(Self);
    private readonly ControllerCore _core;

    public ControllerCoreTests()
    {
        _core = new ControllerCore(new ControllerCoreOptions { NodeId = Self, ClusterId = "c1" }, _raft, _time, new Random(42));
        _raft.Register(_core);
    }

    /// <summary>Leads epoch 1 and commits the activation record.</summary>
    private void Activate()
    {
        _raft.Elect(Self, 1);
        _raft.CommitAll();
        Assert.True(_core.IsActive);
    }

    private static CreateTopicSpec Spec(string name, int partitions = 1, short rf = 1) => new(name, partitions, rf, NoConfigs);

    private T Run<T>(Action<Action<T>> request, bool commit = true)
    {
        T? result = default;
        var replied = false;
        request(r => (result, replied) = (r, true));
        if (commit)
        {
            _raft.CommitAll();
        }
        Assert.True(replied, "no reply");
        return result!;
    }

    private long RegisterAndUnfence(int id, string? rack = null)
    {
        var registration = Run<BrokerRegistrationReplyData>(reply => _core.RegisterBroker(Registration(id, rack), reply));
        Assert.Equal(ErrorCode.None, registration.Error);
        var heartbeat = Run<BrokerHeartbeatReplyData>(reply => _core.BrokerHeartbeat(new(id, registration.BrokerEpoch, _core.CommittedOffset, false, false), reply));
        Assert.False(heartbeat.IsFenced);
        return registration.BrokerEpoch;
    }

    private static BrokerRegistrationRequestData Registration(int id, string? rack = null, Guid? incarnation = null) =>
        new(id, "c1", incarnation ?? new Guid(id, 0, 0, [0, 0, 0, 0, 0, 0, 0, 1]), [new BrokerEndpoint("PLAINTEXT", "h" + id, 9092)], rack);

    [Fact]
    public void ActiveController_LoadingASnapshotOfItsOwnCommittedLog_StaysActive_AndAnswersWhatTheSnapshotCommitted()
    {
        // The node's metadata loader is registered before the core: when it snapshots a batch the
        // core has not been handed yet, the log is cleaned below the core, which then gets the
        // snapshot instead of the batch. Renouncing would leave the Raft leader with no controller.
        Activate();
        RegisterAndUnfence(1);
        CreateTopicOutcome? outcome = null;
        _core.CreateTopic(Spec("b"), false, r => outcome = r);
        Assert.Null(outcome);
        var batch = _raft.Log[^1];
        var builder = new MetadataImageBuilder(_core.Committed);
        builder.ApplyBatch(batch.BaseOffset, batch.LastOffset, batch.Records);
        var image = builder.Build();

        _core.HandleLoadSnapshot(new RaftSnapshot(new OffsetAndEpoch(batch.LastOffset, batch.Epoch), 0, MetadataImageRecords.Write(image)));

        Assert.True(_core.IsActive);
        Assert.Equal(ErrorCode.None, outcome?.Error);
        Assert.Equal(batch.LastOffset, _core.CommittedOffset);
        Assert.True(_core.Committed.TopicsByName.ContainsKey("b"));
        _raft.CommitAll(); // the batch itself arrives too (already applied: ignored)
        Assert.Equal(ErrorCode.None, Run<CreateTopicOutcome>(reply => _core.CreateTopic(Spec("c"), false, reply)).Error);
        Assert.Equal(2, _core.Committed.TopicsByName.Count);
    }

    [Fact]
    public void ActiveController_HandedASnapshotBehindWhatItApplied_Renounces()
    {
        Activate();
        RegisterAndUnfence(1);
        Assert.Equal(ErrorCode.None, Run<CreateTopicOutcome>(reply => _core.CreateTopic(Spec("a"), false, reply)).Error);
        var applied = _core.CommittedOffset;

        _core.HandleLoadSnapshot(new RaftSnapshot(new OffsetAndEpoch(applied - 1, 1), 0, []));

        Assert.False(_core.IsActive);
        Assert.Equal(applied - 1, _core.CommittedOffset);
    }

    [Fact]
    public void Requests_WhenNotLeader_AreNotController()
    {
        _raft.Elect(2, 1);

        var outcome = Run<CreateTopicOutcome>(reply => _core.CreateTopic(Spec("t"), false, reply), commit: false);

        Assert.Equal(ErrorCode.NotController, outcome.Error);
        Assert.Empty(_raft.Log);
    }

    [Fact]
    public void NewLeader_DefersRequestsUntilItsActivationRecordCommits()
    {
        // The previous leader's last entry is not committed yet when this node wins the election.
        var topicId = Guid.Parse("11111111-1111-4111-8111-111111111111");
        _raft.AppendFromOtherLeader(0, new TopicRecord("t", topicId));
        _raft.Elect(Self, 1);
        CreateTopicOutcome? outcome = null;
        _core.CreateTopic(Spec("t"), false, r => outcome = r);

        Assert.Null(outcome);
        Assert.False(_core.IsActive);
        Assert.Single(_raft.Log[^1].Records); // the activation record

        _raft.CommitAll();

        Assert.True(_core.IsActive);
        Assert.Equal(ErrorCode.TopicAlreadyExists, outcome!.Error); // validated only once "t" was replayed
        Assert.Equal(topicId, _core.Latest.Topic("t")!.TopicId);
    }

    [Fact]
    public void Validation_SeesUncommittedRecords_AndRepliesOnlyOnceTheyCommit()
    {
        Activate();
        RegisterAndUnfence(1);
        CreateTopicOutcome? first = null, second = null;

        _core.CreateTopic(Spec("t"), false, r => first = r);
        _core.CreateTopic(Spec("t"), false, r => second = r);

        Assert.Null(first);
        Assert.Null(second); // already-exists is known, but not said before "t" commits
        Assert.NotNull(_core.Latest.Topic("t"));
        Assert.Null(_core.Committed.Topic("t"));

        _raft.CommitAll();

        Assert.Equal(ErrorCode.None, first!.Error);
        Assert.Equal(ErrorCode.TopicAlreadyExists, second!.Error);
        Assert.Equal(first.TopicId, _core.Committed.Topic("t")!.TopicId);
    }

    [Fact]
    public void LosingLeadership_RevertsUncommittedState_AndFailsWaitingReplies()
    {
        Activate();
        RegisterAndUnfence(1);
        CreateTopicOutcome? outcome = null;
        _core.CreateTopic(Spec("t"), false, r => outcome = r);
        Assert.NotNull(_core.Latest.Topic("t"));

        _raft.Elect(2, 2, truncateUncommitted: true);

        Assert.Equal(ErrorCode.NotController, outcome!.Error);
        Assert.Null(_core.Latest.Topic("t"));
        Assert.Same(_core.Committed, _core.Latest);
        Assert.False(_core.IsActive);
    }

    [Fact]
    public void BatchesOfOtherLeaders_AreReplayedIntoCommittedState()
    {
        _raft.Elect(2, 1);
        var topicId = Guid.Parse("11111111-1111-4111-8111-111111111111");
        _raft.AppendFromOtherLeader(1, new TopicRecord("remote", topicId));
        _raft.CommitAll();

        Assert.Equal(topicId, _core.Committed.Topic("remote")!.TopicId);
        Assert.Same(_core.Committed, _core.Latest);

        _raft.Elect(Self, 2);
        _raft.CommitAll();
        var duplicate = Run<CreateTopicOutcome>(reply => _core.CreateTopic(Spec("remote"), false, reply));
        Assert.Equal(ErrorCode.TopicAlreadyExists, duplicate.Error);
    }

    [Fact]
    public void Registration_IsFencedUntilAHeartbeatReportsCaughtUp()
    {
        Activate();
        var registration = Run<BrokerRegistrationReplyData>(reply => _core.RegisterBroker(Registration(5), reply));

        Assert.Equal(ErrorCode.None, registration.Error);
        var broker = _core.Committed.Brokers[5];
        Assert.True(broker.Fenced);
        Assert.Equal(registration.BrokerEpoch, broker.Epoch);
        Assert.Equal(_raft.Log[^1].LastOffset, registration.BrokerEpoch); // the epoch is the record's offset

        var behind = Run<BrokerHeartbeatReplyData>(reply => _core.BrokerHeartbeat(new(5, registration.BrokerEpoch, registration.BrokerEpoch - 1, false, false), reply));
        Assert.False(behind.IsCaughtUp);
        Assert.True(behind.IsFenced);
        Assert.True(_core.Committed.Brokers[5].Fenced);

        var caughtUp = Run<BrokerHeartbeatReplyData>(reply => _core.BrokerHeartbeat(new(5, registration.BrokerEpoch, registration.BrokerEpoch, false, false), reply));
        Assert.True(caughtUp.IsCaughtUp);
        Assert.False(caughtUp.IsFenced);
        Assert.False(_core.Committed.Brokers[5].Fenced);
        Assert.IsType<UnfenceBrokerRecord>(Assert.Single(_raft.Log[^1].Records));
    }

    [Fact]
    public void Heartbeat_WithStaleEpochOrUnknownBroker_IsStaleBrokerEpoch()
    {
        Activate();
        var epoch = RegisterAndUnfence(3);

        Assert.Equal(ErrorCode.StaleBrokerEpoch, Run<BrokerHeartbeatReplyData>(r => _core.BrokerHeartbeat(new(3, epoch - 1, 100, false, false), r)).Error);
        Assert.Equal(ErrorCode.StaleBrokerEpoch, Run<BrokerHeartbeatReplyData>(r => _core.BrokerHeartbeat(new(9, epoch, 100, false, false), r)).Error);
    }

    [Fact]
    public void SessionTimeout_FencesTheBroker_AndAHeartbeatUnfencesItAgain()
    {
        Activate();
        var epoch = RegisterAndUnfence(2);

        _time.Advance(TimeSpan.FromMilliseconds(9_000));
        _core.Tick();
        _raft.CommitAll();
        Assert.False(_core.Committed.Brokers[2].Fenced); // exactly the timeout is still alive

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(_core.NextDeadlineMs <= _time.GetUtcNow().ToUnixTimeMilliseconds());
        _core.Tick();
        _raft.CommitAll();
        Assert.True(_core.Committed.Brokers[2].Fenced);
        Assert.Equal(new FenceBrokerRecord(2, epoch), Assert.Single(_raft.Log[^1].Records));

        var back = Run<BrokerHeartbeatReplyData>(r => _core.BrokerHeartbeat(new(2, epoch, _core.CommittedOffset, false, false), r));
        Assert.False(back.IsFenced);
        Assert.False(_core.Committed.Brokers[2].Fenced);
    }

    [Fact]
    public void ABrokerRegisteredBeforeActivation_GetsASessionToo_AndIsFencedWhenSilent()
    {
        // Registered (unfenced) by the previous leader, committed only after this node claimed.
        _raft.AppendFromOtherLeader(0, new RegisterBrokerRecord(9, Guid.Parse("99999999-9999-4999-8999-999999999999"), 0, [], null, Fenced: false));
        _raft.Elect(Self, 1);
        _raft.CommitAll();
        _core.Tick();
        Assert.False(_core.Committed.Brokers[9].Fenced);

        _time.Advance(TimeSpan.FromMilliseconds(9_001));
        _core.Tick();
        _raft.CommitAll();

        Assert.True(_core.Committed.Brokers[9].Fenced);
    }

    [Fact]
    public void AnotherIncarnation_IsADuplicateWhileTheSessionLives_AndWelcomeAfter()
    {
        Activate();
        RegisterAndUnfence(4);
        var other = Registration(4, incarnation: Guid.Parse("22222222-2222-4222-8222-222222222222"));

        Assert.Equal(ErrorCode.DuplicateBrokerRegistration, Run<BrokerRegistrationReplyData>(r => _core.RegisterBroker(other, r)).Error);

        _time.Advance(TimeSpan.FromMilliseconds(9_001));
        _core.Tick();
        _raft.CommitAll();
        var accepted = Run<BrokerRegistrationReplyData>(r => _core.RegisterBroker(other, r));
        Assert.Equal(ErrorCode.None, accepted.Error);
        Assert.Equal(other.IncarnationId, _core.Committed.Brokers[4].IncarnationId);
    }

    [Fact]
    public void Registration_FromAnotherCluster_IsInconsistentClusterId()
    {
        Activate();

        var reply = Run<BrokerRegistrationReplyData>(r => _core.RegisterBroker(Registration(1) with { ClusterId = "other" }, r));

        Assert.Equal(ErrorCode.InconsistentClusterId, reply.Error);
        Assert.Empty(_core.Committed.Brokers);
    }

    [Fact]
    public void WantShutDown_ControlledShutdownFencesAndLetsTheBrokerGo()
    {
        Activate();
        var epoch = RegisterAndUnfence(6);

        var reply = Run<BrokerHeartbeatReplyData>(r => _core.BrokerHeartbeat(new(6, epoch, _core.CommittedOffset, false, WantShutDown: true), r));

        Assert.True(reply.ShouldShutDown);
        Assert.True(reply.IsFenced);
        var broker = _core.Committed.Brokers[6];
        Assert.True(broker.Fenced);
        Assert.True(broker.InControlledShutdown);
        Assert.IsType<BrokerRegistrationChangeRecord>(Assert.Single(_raft.Log[^1].Records));
    }

    [Fact]
    public void Placement_UsesOnlyUnfencedBrokers()
    {
        Activate();
        RegisterAndUnfence(1);
        RegisterAndUnfence(2);
        Run<BrokerRegistrationReplyData>(r => _core.RegisterBroker(Registration(3), r)); // stays fenced

        var tooMany = Run<CreateTopicOutcome>(r => _core.CreateTopic(Spec("t3", 1, 3), false, r));
        var ok = Run<CreateTopicOutcome>(r => _core.CreateTopic(Spec("t2", 8, 2), false, r));

        Assert.Equal(ErrorCode.InvalidReplicationFactor, tooMany.Error);
        Assert.Contains("only 2 broker(s)", tooMany.Message);
        Assert.Equal(ErrorCode.None, ok.Error);
        var partitions = _core.Committed.Topic("t2")!.Partitions.Values;
        Assert.All(partitions, p => Assert.DoesNotContain(3, p.Replicas));
        Assert.Equal(4, partitions.Count(p => p.Leader == 1));
        Assert.Equal(4, partitions.Count(p => p.Leader == 2));
    }

    [Fact]
    public void TopicIds_ComeFromTheInjectedPrng()
    {
        static Guid CreateWithSeed(int seed)
        {
            var raft = new ScriptedRaftClient(Self);
            var core = new ControllerCore(new ControllerCoreOptions { NodeId = Self, ClusterId = "c1" }, raft, new FakeTimeProvider(), new Random(seed));
            raft.Register(core);
            raft.Elect(Self, 1);
            raft.CommitAll();
            core.RegisterBroker(Registration(1), _ => { }, soleVoterSelf: true);
            raft.CommitAll();
            var id = Guid.Empty;
            core.CreateTopic(Spec("t"), false, r => id = r.TopicId);
            raft.CommitAll();
            return id;
        }

        Assert.Equal(CreateWithSeed(7), CreateWithSeed(7));
        Assert.NotEqual(CreateWithSeed(7), CreateWithSeed(8));
        Assert.Equal(4, CreateWithSeed(7).Version);
    }

    [Fact]
    public void ProducerIdBlocks_AreConsecutiveAndCheckTheBrokerEpoch()
    {
        Activate();
        var epoch = RegisterAndUnfence(1);

        var first = Run<ProducerIdsReplyData>(r => _core.AllocateProducerIds(1, epoch, 1000, r));
        var second = Run<ProducerIdsReplyData>(r => _core.AllocateProducerIds(1, epoch, 1000, r));
        var stale = Run<ProducerIdsReplyData>(r => _core.AllocateProducerIds(1, epoch + 100, 1000, r));

        Assert.Equal((0L, 1000L), (first.FirstProducerId, second.FirstProducerId));
        Assert.Equal(ErrorCode.StaleBrokerEpoch, stale.Error);
        Assert.Equal(2000, _core.Committed.NextProducerId);
    }

    [Fact]
    public void ARequestLargerThanOneRaftBatch_IsAPolicyViolation()
    {
        var raft = new ScriptedRaftClient(Self);
        var core = new ControllerCore(new ControllerCoreOptions { NodeId = Self, ClusterId = "c1", MaxRecordsPerBatch = 5 }, raft, _time, new Random(1));
        raft.Register(core);
        raft.Elect(Self, 1);
        raft.CommitAll();
        core.RegisterBroker(Registration(1), _ => { }, soleVoterSelf: true);
        raft.CommitAll();
        CreateTopicOutcome? big = null, small = null;

        core.CreateTopic(Spec("big", partitions: 5), false, r => big = r);
        core.CreateTopic(Spec("small", partitions: 4), false, r => small = r);
        raft.CommitAll();

        Assert.Equal(ErrorCode.PolicyViolation, big!.Error);
        Assert.Equal(ErrorCode.None, small!.Error);
        Assert.Null(core.Committed.Topic("big"));
    }

    [Fact]
    public void FreshLog_ActivationRecordsTheMetadataVersion()
    {
        Activate();

        Assert.Equal(ControllerCore.MetadataVersionLevel, _core.Committed.FeatureLevels[ControllerCore.MetadataVersionFeature]);
        Assert.Equal(0, _core.PendingReplies);
    }
}
