using Gregor.Broker.Groups;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Tests.Groups;

public sealed class GroupConcurrencyTests
{
    /// <summary>
    /// Ten simulated consumers join at once on thread-pool threads, each running a client's loop
    /// (join, sync, heartbeat, rejoin on REBALANCE_IN_PROGRESS). They must converge on one
    /// generation with all ten members and every member's assignment from the same leader —
    /// no deadlock, no lost response.
    /// </summary>
    [Fact]
    public async Task ConcurrentJoins_ConvergeOnOneGenerationWithEveryMember()
    {
        const int Members = 10;
        const string Group = "busy";
        await using var h = await GroupHarness.StartAsync();
        var ct = TestContext.Current.CancellationToken;
        var stableGeneration = new int[Members];
        var assignments = new byte[Members][];

        async Task RunClient(int index)
        {
            var first = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group), ct);
            var memberId = first.MemberId;
            while (!ct.IsCancellationRequested)
            {
                var joined = await h.Coordinator.JoinGroupAsync(GroupHarness.JoinParams(Group, memberId), ct);
                if (joined.Error != ErrorCode.None)
                {
                    continue;
                }
                var plan = joined.Members.ToDictionary(m => m.MemberId, m => new byte[] { (byte)joined.GenerationId, (byte)joined.Members.Count });
                var synced = await h.Coordinator.SyncGroupAsync(
                    new SyncGroupParameters(Group, joined.GenerationId, memberId, null, "consumer", joined.ProtocolName, plan), ct);
                if (synced.Error != ErrorCode.None)
                {
                    continue;
                }
                while (!ct.IsCancellationRequested)
                {
                    var beat = (await h.Coordinator.HeartbeatAsync(Group, memberId, null, joined.GenerationId));
                    if (beat != ErrorCode.None)
                    {
                        break;
                    }
                    Volatile.Write(ref stableGeneration[index], joined.GenerationId);
                    Volatile.Write(ref assignments[index], synced.Assignment);
                    if ((await h.Coordinator.DescribeGroupAsync(Group, TestContext.Current.CancellationToken)) is { State: GroupState.Stable } d && d.Members.Count == Members && stableGeneration.All(g => g == joined.GenerationId))
                    {
                        return;
                    }
                    await Task.Yield();
                }
            }
        }

        var clients = Enumerable.Range(0, Members).Select(i => Task.Run(() => RunClient(i), ct)).ToArray();
        await Task.WhenAll(clients).WaitAsync(TimeSpan.FromSeconds(30), ct);
        var generation = stableGeneration[0];
        Assert.All(stableGeneration, g => Assert.Equal(generation, g));
        Assert.All(assignments, a => Assert.Equal(new byte[] { (byte)generation, Members }, a));
    }
}
