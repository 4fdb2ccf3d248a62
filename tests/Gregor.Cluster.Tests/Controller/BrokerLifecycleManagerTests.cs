using Gregor.Cluster.Controller;
using Gregor.Cluster.Controller.Core;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Time.Testing;

namespace Gregor.Cluster.Tests.Controller;

/// <summary>The broker's lifecycle manager against a real controller core, one process, scripted time.</summary>
public sealed class BrokerLifecycleManagerTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeMilliseconds(5_000_000));
    private readonly ScriptedRaftClient _raft = new(1);
    private readonly ControllerCore _controller;
    private readonly MetadataLoader _loader = new(new MetadataLoaderOptions { ClusterId = "c1", NodeId = 7, GenerateSnapshots = false });
    private readonly BrokerLifecycleManager _broker;

    public BrokerLifecycleManagerTests()
    {
        _controller = new ControllerCore(new ControllerCoreOptions { NodeId = 1, ClusterId = "c1" }, _raft, _time, new Random(1));
        _raft.Register(_loader);
        _raft.Register(_controller);
        _raft.Elect(1, 1);
        _raft.CommitAll();
        _broker = new BrokerLifecycleManager(
            new BrokerLifecycleOptions { BrokerId = 7, ClusterId = "c1", Listeners = [new BrokerEndpoint("PLAINTEXT", "b7", 9092)], Rack = "r" },
            _time, new Random(99));
    }

    /// <summary>Sends what the broker wants to send, delivers the answer after commit, feeds the broker its loader's offset.</summary>
    private void Exchange(bool delivered = true)
    {
        _broker.SetMetadataOffset(_loader.LastAppliedOffset);
        if (_broker.Poll() is not { } request)
        {
            return;
        }
        if (!delivered)
        {
            return; // lost on the way: the manager must time it out
        }
        if (request.Registration is { } registration)
        {
            _controller.RegisterBroker(registration, reply => _broker.HandleRegistrationReply(request.Sequence, reply));
        }
        else
        {
            _controller.BrokerHeartbeat(request.Heartbeat!, reply => _broker.HandleHeartbeatReply(request.Sequence, reply));
        }
        _raft.CommitAll();
    }

    private void RunFor(long ms, bool delivered = true)
    {
        var end = _time.GetUtcNow().ToUnixTimeMilliseconds() + ms;
        while (_time.GetUtcNow().ToUnixTimeMilliseconds() < end)
        {
            Exchange(delivered);
            _controller.Tick();
            _raft.CommitAll();
            _time.Advance(TimeSpan.FromMilliseconds(50));
        }
    }

    [Fact]
    public void Start_RegistersFenced_ThenCatchesUpAndIsUnfenced()
    {
        _broker.Start();
        Exchange();

        Assert.Equal(BrokerLifecycleState.Recovery, _broker.State);
        Assert.True(_loader.Current.Brokers[7].Fenced);
        Assert.Equal(_broker.IncarnationId, _loader.Current.Brokers[7].IncarnationId);
        Assert.Equal("r", _loader.Current.Brokers[7].Rack);

        Exchange(); // not ready to unfence yet (logs loading): stays fenced even though caught up
        Assert.True(_broker.IsCaughtUp);
        Assert.True(_broker.IsFenced);

        _broker.SetReadyToUnfence();
        RunFor(2_100);

        Assert.Equal(BrokerLifecycleState.Running, _broker.State);
        Assert.False(_broker.IsFenced);
        Assert.False(_loader.Current.Brokers[7].Fenced);
    }

    [Fact]
    public void Heartbeats_KeepTheSession_APauseFencesIt_ResumingUnfencesIt()
    {
        _broker.Start();
        _broker.SetReadyToUnfence();
        RunFor(30_000);
        Assert.False(_loader.Current.Brokers[7].Fenced);

        RunFor(9_500, delivered: false);
        Assert.True(_loader.Current.Brokers[7].Fenced);

        RunFor(5_000);
        Assert.False(_loader.Current.Brokers[7].Fenced);
        Assert.Equal(BrokerLifecycleState.Running, _broker.State);
    }

    [Fact]
    public void ControlledShutdown_EndsShuttingDownAndFenced()
    {
        _broker.Start();
        _broker.SetReadyToUnfence();
        RunFor(3_000);

        _broker.BeginControlledShutdown();
        RunFor(500);

        Assert.Equal(BrokerLifecycleState.ShuttingDown, _broker.State);
        Assert.True(_loader.Current.Brokers[7].Fenced);
        Assert.True(_loader.Current.Brokers[7].InControlledShutdown);
        Assert.Null(_broker.Poll());
    }

    [Fact]
    public void NotController_IsRetried_AndALateAnswerIsIgnored()
    {
        _raft.Elect(2, 2); // the controller core is no longer active
        _broker.Start();
        Exchange();
        Assert.Equal(ErrorCode.NotController, _broker.LastError);
        Assert.Equal(BrokerLifecycleState.Starting, _broker.State);

        _raft.Elect(1, 3);
        _raft.CommitAll();
        RunFor(300);
        Assert.Equal(BrokerLifecycleState.Recovery, _broker.State);
        var epoch = _broker.BrokerEpoch;

        _broker.HandleRegistrationReply(-5, new BrokerRegistrationReplyData(ErrorCode.None, null, 12345));
        Assert.Equal(epoch, _broker.BrokerEpoch);
    }

    [Fact]
    public void IncarnationIds_ComeFromTheInjectedPrng()
    {
        var options = new BrokerLifecycleOptions { BrokerId = 1, Listeners = [] };

        Assert.Equal(new BrokerLifecycleManager(options, _time, new Random(4)).IncarnationId, new BrokerLifecycleManager(options, _time, new Random(4)).IncarnationId);
        Assert.NotEqual(new BrokerLifecycleManager(options, _time, new Random(4)).IncarnationId, new BrokerLifecycleManager(options, _time, new Random(5)).IncarnationId);
    }
}
