using Gregor.Broker.Traffic;
using Gregor.Protocol.Records;
using Microsoft.Extensions.Time.Testing;

namespace Gregor.Broker.Tests.Traffic;

public sealed class ProduceTrafficTrackerTests
{
    [Fact]
    public void Record_CountsRecordsFromEveryBatchHeader_AndBytesAsReceived()
    {
        var tracker = new ProduceTrafficTracker(new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_000)));
        var batches = TestBatches.Concat(TestBatches.Build(recordCount: 3), TestBatches.Build(recordCount: 4, baseOffset: 3), TestBatches.Keyed(CompressionType.Lz4, 1, "a", "b"));

        tracker.Record("checkout", "orders", batches);
        tracker.Record("checkout", "orders", TestBatches.Build(recordCount: 1));

        var entry = Assert.Single(tracker.Snapshot());
        Assert.Equal(("checkout", "orders", 10L, (long)batches.Length + TestBatches.Build(recordCount: 1).Length, 1_000L), (entry.ClientId, entry.Topic, entry.Records, entry.Bytes, entry.LastProduceUnixMs));
    }

    [Fact]
    public void Record_KeepsProducersAndTopicsApart_AndNamesAMissingClientIdEmpty()
    {
        var tracker = new ProduceTrafficTracker(new FakeTimeProvider());
        tracker.Record("a", "t1", 1, 10);
        tracker.Record("a", "t2", 2, 20);
        tracker.Record(null, "t1", 4, 40);

        var byKey = tracker.Snapshot().ToDictionary(e => (e.ClientId, e.Topic), e => e.Records);
        Assert.Equal(new Dictionary<(string, string), long> { [("a", "t1")] = 1, [("a", "t2")] = 2, [("", "t1")] = 4 }, byKey);
    }

    [Fact]
    public void Record_PastMaxPairs_CountsTheRestInOneOverflowEntry()
    {
        var tracker = new ProduceTrafficTracker(new FakeTimeProvider());
        for (var i = 0; i < ProduceTrafficTracker.MaxPairs + 10; i++)
        {
            tracker.Record($"client-{i}", "t", 1, 1);
        }

        var snapshot = tracker.Snapshot();
        Assert.Equal(ProduceTrafficTracker.MaxPairs + 1, snapshot.Count);
        Assert.Equal(10, snapshot.Single(e => e.ClientId == ProduceTrafficTracker.OverflowClientId).Records);
    }

    [Fact]
    public void Snapshot_DropsPairsIdlePastTheExpiry_FreeingRoomForNewOnes()
    {
        var time = new FakeTimeProvider();
        var tracker = new ProduceTrafficTracker(time);
        for (var i = 0; i < ProduceTrafficTracker.MaxPairs; i++)
        {
            tracker.Record($"old-{i}", "t", 1, 1);
        }
        time.Advance(ProduceTrafficTracker.IdleExpiry + TimeSpan.FromSeconds(1));
        tracker.Record("old-0", "t", 1, 1);

        Assert.Equal(["old-0"], tracker.Snapshot().Select(e => e.ClientId));
        tracker.Record("new", "t", 5, 5);
        Assert.Equal(5, tracker.Snapshot().Single(e => e.ClientId == "new").Records);
    }
}
