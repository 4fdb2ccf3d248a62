using System.Collections.Concurrent;
using Confluent.Kafka;

namespace Gregor.Compatibility.Tests.Support;

/// <summary>
/// One Confluent.Kafka consumer-group member on its own thread: consumes, records each value
/// into a shared bag, commits each record synchronously (so a rebalance never hands an
/// already-processed record to another member), and tracks how many partitions it owns.
/// Disposing closes the consumer, which leaves the group.
/// </summary>
internal sealed class GroupMember : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private int _assigned;
    private int _consumed;

    public int Assigned => Volatile.Read(ref _assigned);

    public int ConsumedCount => Volatile.Read(ref _consumed);

    public static GroupMember Start(GregorProcess broker, string topic, string groupId, ConcurrentBag<string> sink)
    {
        var member = new GroupMember();
        var config = ConfluentClients.Consumer(broker, groupId);
        member._loop = Task.Factory.StartNew(() => member.Run(config, topic, sink), TaskCreationOptions.LongRunning);
        return member;
    }

    private void Run(ConsumerConfig config, string topic, ConcurrentBag<string> sink)
    {
        using var consumer = new ConsumerBuilder<string, string>(config)
            .SetPartitionsAssignedHandler((c, partitions) => Volatile.Write(ref _assigned, c.Assignment.Count + partitions.Count))
            .SetPartitionsRevokedHandler((c, partitions) => Volatile.Write(ref _assigned, c.Assignment.Count - partitions.Count))
            .SetPartitionsLostHandler((_, _) => Volatile.Write(ref _assigned, 0))
            .Build();
        consumer.Subscribe(topic);
        while (!_stop.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                continue;
            }
            sink.Add(result.Message.Value);
            Interlocked.Increment(ref _consumed);
            consumer.Commit(result);
        }
        consumer.Close();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await _loop.WaitAsync(TimeSpan.FromSeconds(30));
        }
        _stop.Dispose();
    }
}
