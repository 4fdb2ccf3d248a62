using Gregor.Cluster.Controller.Core;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Tests.Controller;

public sealed class StripedReplicaPlacerTests
{
    private static int[][] PlaceAll(StripedReplicaPlacer placer, int partitions, int replicationFactor) =>
        [.. Enumerable.Range(0, partitions).Select(_ =>
        {
            var (error, _, replicas) = placer.Place(replicationFactor);
            Assert.Equal(ErrorCode.None, error);
            return replicas!;
        })];

    private static IEnumerable<UsableBroker> Brokers(int count, Func<int, string?>? rack = null) =>
        Enumerable.Range(1, count).Select(id => new UsableBroker(id, rack?.Invoke(id)));

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(123)]
    public void LeadersAndReplicas_SpreadEvenly(int seed)
    {
        var placer = new StripedReplicaPlacer(Brokers(6), new Random(seed));

        var plan = PlaceAll(placer, 60, 3);

        Assert.All(plan, replicas => Assert.Equal(3, replicas.Distinct().Count()));
        foreach (var broker in Enumerable.Range(1, 6))
        {
            Assert.Equal(10, plan.Count(r => r[0] == broker));
            Assert.Equal(30, plan.Count(r => r.Contains(broker)));
        }
    }

    [Fact]
    public void WithRacks_EveryPartitionSpansAsManyRacksAsItHasReplicas()
    {
        var racks = new Dictionary<int, string> { [1] = "a", [2] = "a", [3] = "b", [4] = "b", [5] = "c", [6] = "c" };
        var placer = new StripedReplicaPlacer(Brokers(6, id => racks[id]), new Random(3));

        var plan = PlaceAll(placer, 30, 3);

        Assert.All(plan, replicas => Assert.Equal(3, replicas.Select(r => racks[r]).Distinct().Count()));
        Assert.All(Enumerable.Range(1, 6), broker => Assert.Equal(5, plan.Count(r => r[0] == broker)));
    }

    [Fact]
    public void UnevenRacks_StillPlaceEveryReplicaOnADistinctBroker()
    {
        var racks = new Dictionary<int, string?> { [1] = "a", [2] = "a", [3] = "a", [4] = "b", [5] = null };
        var placer = new StripedReplicaPlacer(Brokers(5, id => racks[id]), new Random(11));

        var plan = PlaceAll(placer, 50, 4);

        Assert.All(plan, replicas => Assert.Equal(4, replicas.Distinct().Count()));
    }

    [Fact]
    public void SameSeed_SamePlan()
    {
        var a = PlaceAll(new StripedReplicaPlacer(Brokers(5), new Random(9)), 20, 2);
        var b = PlaceAll(new StripedReplicaPlacer(Brokers(5).Reverse(), new Random(9)), 20, 2);

        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData(4, 3, "cannot be reached because only 3 broker(s) are registered")]
    [InlineData(0, 3, "must be larger than 0")]
    [InlineData(1, 0, "All brokers are currently fenced.")]
    public void TooFewBrokersOrNonPositiveFactor_IsInvalidReplicationFactor(int replicationFactor, int brokers, string message)
    {
        var placer = new StripedReplicaPlacer(Brokers(brokers), new Random(1));

        var (error, text, replicas) = placer.Place(replicationFactor);

        Assert.Equal(ErrorCode.InvalidReplicationFactor, error);
        Assert.Contains(message, text);
        Assert.Null(replicas);
    }

    [Fact]
    public void SingleBroker_LeadsEveryPartition()
    {
        var plan = PlaceAll(new StripedReplicaPlacer(Brokers(1), new Random(5)), 10, 1);

        Assert.All(plan, replicas => Assert.Equal([1], replicas));
    }
}
