using System.Diagnostics;

namespace Gregor.Broker.Coordinator;

/// <summary>
/// Replays a coordinator partition into a fresh shard (Kafka's <c>CoordinatorLoader</c>): every
/// record from the log start, in offset order, then <see cref="ICoordinatorShard{TRecord}.OnLoaded"/>.
/// Runs on the partition's event loop as its first event, so no operation sees a half-loaded shard.
/// </summary>
public sealed class CoordinatorLoader<TRecord>(ICoordinatorLog<TRecord> log)
{
    public async Task<CoordinatorLoadSummary> LoadAsync(int partition, ICoordinatorShard<TRecord> shard, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        long records = 0;
        await foreach (var record in log.ReadAllAsync(partition, cancellationToken).ConfigureAwait(false))
        {
            shard.Replay(record);
            records++;
        }
        shard.OnLoaded();
        return new CoordinatorLoadSummary(partition, records, Stopwatch.GetElapsedTime(started));
    }
}
