using System.Diagnostics;
using Gregor.Compatibility.Tests.Support;

namespace Gregor.Compatibility.Tests.Share;

/// <summary>
/// A librdkafka share consumer process holding acquisition locks is SIGKILLed or SIGSTOPped under
/// the real `gregor` process: its records go to a survivor with a higher delivery count — at once
/// when its connection dies (Kafka releases a closed session's records), only after the lock
/// expired while it is merely stopped — and the stopped one's late ACCEPT is INVALID_RECORD_STATE.
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class ShareConsumerKillTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const int LockMs = 3000;

    [Fact]
    public async Task Sigkill_OfAConsumerHoldingLocks_GivesItsRecordsToASurvivor()
    {
        await using var broker = await GregorProcess.StartAsync();
        await ShareConsumerTests.CreateTopicAsync(broker, "queue-kill", 1);
        await ShareConsumerTests.SetGroupConfigAsync(broker, "g-kill", "share.auto.offset.reset", "earliest");
        await ShareConsumerTests.ProduceAsync(broker.BootstrapServers, "queue-kill", 20);
        await using var child = await ShareConsumerProcess.StartHoldingAsync(broker.BootstrapServers, "g-kill", "queue-kill", Patience);
        Assert.NotEmpty(child.Held);
        Assert.All(child.Held.Values, count => Assert.Equal(1, count));

        child.Kill();
        var received = ConsumeAll(broker.BootstrapServers, "g-kill", "queue-kill", 20);

        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), received.Keys.Order());
        foreach (var (offset, count) in received)
        {
            Assert.Equal(child.Held.ContainsKey(offset) ? 2 : 1, count);
        }
    }

    [Fact]
    public async Task Sigstop_RedeliversAfterTheLockExpires_NeverBefore_AndTheLateAcceptIsInvalidRecordState()
    {
        await using var broker = await GregorProcess.StartAsync();
        await ShareConsumerTests.CreateTopicAsync(broker, "queue-stop", 1);
        await ShareConsumerTests.SetGroupConfigAsync(broker, "g-stop", "share.auto.offset.reset", "earliest");
        await ShareConsumerTests.SetGroupConfigAsync(broker, "g-stop", "share.record.lock.duration.ms", LockMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await ShareConsumerTests.ProduceAsync(broker.BootstrapServers, "queue-stop", 20);
        var started = Stopwatch.StartNew();
        await using var child = await ShareConsumerProcess.StartHoldingAsync(broker.BootstrapServers, "g-stop", "queue-stop", Patience);
        Assert.NotEmpty(child.Held);
        child.Stop();

        var firstTimes = new Dictionary<long, TimeSpan>();
        var received = ConsumeAll(broker.BootstrapServers, "g-stop", "queue-stop", 20, (offset, _) => firstTimes.TryAdd(offset, started.Elapsed));

        foreach (var offset in child.Held.Keys)
        {
            Assert.Equal(2, received[offset]);
            // The lock was taken after the child started, so it cannot have expired earlier than this.
            Assert.True(firstTimes[offset] >= TimeSpan.FromMilliseconds(LockMs), $"offset {offset} redelivered {firstTimes[offset].TotalMilliseconds} ms after the holder started, lock {LockMs} ms");
        }
        child.Continue();
        var commit = await child.AcceptAndCommitAsync(Patience);
        Assert.Contains("121", commit.Split(' ').Skip(1));
    }

    /// <summary>An explicit-mode consumer that ACCEPTs everything until it has <paramref name="count"/> offsets: offset → delivery count.</summary>
    private static Dictionary<long, short> ConsumeAll(string bootstrapServers, string group, string topic, int count, Action<long, short>? onRecord = null)
    {
        var received = new Dictionary<long, short>();
        using var consumer = ShareConsumer.Create(bootstrapServers, group, explicitAcknowledgement: true, clientId: "survivor");
        consumer.Subscribe(topic);
        var deadline = DateTime.UtcNow + Patience;
        while (received.Count < count && DateTime.UtcNow < deadline)
        {
            var (_, _, batch) = consumer.Poll(200);
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i].Err != 0)
                {
                    continue;
                }
                onRecord?.Invoke(batch[i].Offset, batch[i].DeliveryCount);
                received[batch[i].Offset] = batch[i].DeliveryCount;
                Assert.Equal(0, consumer.Acknowledge(i, ShareConsumer.Accept));
            }
        }
        Assert.Equal(0, consumer.CommitSync(10_000).Error);
        consumer.Close();
        return received;
    }
}
