using Gregor.Broker.Shares;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.Time.Testing;

namespace Gregor.Broker.Tests.Shares;

/// <summary>
/// Seeded random sequences of produce / acquire / acknowledge / clock advance / member release /
/// crash (snapshot, then a new partition restored from it) against a model of who holds what,
/// checking the invariants after every step. A failing seed is in the test name: replay it alone.
/// </summary>
public sealed class SharePartitionPropertyTests
{
    private const long LockMs = 1000;

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (var seed = 1; seed <= 200; seed++)
        {
            seeds.Add(seed);
        }
        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomOperations_KeepEveryInvariant(int seed)
    {
        var random = new Random(seed);
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000));
        var options = new SharePartitionOptions
        {
            RecordLockDurationMs = LockMs,
            DeliveryCountLimit = random.Next(1, 6),
            MaxRecordLocks = random.Next(4, 40),
            RetryBackoffMs = random.Next(2) == 0 ? 0 : random.Next(1, 300),
            RetryBackoffMultiplier = 2,
            RetryBackoffMaxMs = 1500,
            RetryBackoffOnLockTimeout = random.Next(2) == 0,
        };
        var completions = new Dictionary<long, int>();
        var lastCount = new Dictionary<long, short>();
        var holders = new Dictionary<long, (string Member, long Deadline)>();
        var notBefore = new Dictionary<long, long>();
        string[] members = ["m1", "m2", "m3"];
        var highWatermark = 0L;
        var lastStart = 0L;
        long Now() => time.GetUtcNow().ToUnixTimeMilliseconds();
        void Completed(long offset, RecordState state, short count)
        {
            completions[offset] = completions.GetValueOrDefault(offset) + 1;
            holders.Remove(offset);
        }
        SharePartition Create(SharePartitionSnapshot? snapshot) => new(options, time, 0, snapshot, () => 0.5, Completed);
        var partition = Create(null);

        for (var step = 0; step < 400; step++)
        {
            var now = Now();
            switch (random.Next(10))
            {
                case 0:
                    highWatermark += random.Next(0, 8);
                    break;
                case 1 or 2 or 3:
                    {
                        var member = members[random.Next(members.Length)];
                        var from = partition.NextFetchOffset();
                        if (from is null)
                        {
                            break;
                        }
                        var readEnd = Math.Min(highWatermark, from.Value + random.Next(1, 12));
                        foreach (var range in partition.Acquire(member, from.Value, readEnd, random.Next(1, 10)))
                        {
                            for (var offset = range.FirstOffset; offset <= range.LastOffset; offset++)
                            {
                                Assert.True(offset >= from.Value && offset < readEnd, $"seed {seed}: acquired {offset} outside [{from}, {readEnd})");
                                if (holders.TryGetValue(offset, out var holder))
                                {
                                    Assert.True(holder.Deadline <= now, $"seed {seed}: {offset} acquired by {member} while {holder.Member} holds it until {holder.Deadline} (now {now})");
                                }
                                Assert.True(notBefore.GetValueOrDefault(offset) <= now, $"seed {seed}: {offset} acquired before its notBefore");
                                var previous = lastCount.GetValueOrDefault(offset);
                                Assert.Equal(previous + 1, range.DeliveryCount);
                                Assert.True(range.DeliveryCount <= options.DeliveryCountLimit, $"seed {seed}: {offset} delivered past the limit");
                                lastCount[offset] = range.DeliveryCount;
                                holders[offset] = (member, now + LockMs);
                                notBefore.Remove(offset);
                            }
                        }
                        break;
                    }
                case 4 or 5 or 6:
                    {
                        var member = members[random.Next(members.Length)];
                        var believed = holders.Where(h => h.Value.Member == member).Select(h => h.Key).Order().ToList();
                        if (random.Next(5) == 0 && lastCount.Count > 0)
                        {
                            believed.Add(lastCount.Keys.ElementAt(random.Next(lastCount.Count)));
                        }
                        believed = [.. believed.Distinct().Order().Take(random.Next(1, 6))];
                        if (believed.Count == 0)
                        {
                            break;
                        }
                        var batches = believed.Select(o => new AcknowledgementBatch(o, o, [(byte)random.Next(0, 5)])).ToList();
                        var expectValid = believed.All(o => holders.TryGetValue(o, out var h) && h.Member == member && h.Deadline > now);
                        var error = partition.Acknowledge(member, batches);
                        Assert.Equal(expectValid ? ErrorCode.None : ErrorCode.InvalidRecordState, error);
                        if (error == ErrorCode.None)
                        {
                            foreach (var batch in batches)
                            {
                                var type = (AcknowledgeType)batch.Types[0];
                                if (type == AcknowledgeType.Renew)
                                {
                                    holders[batch.FirstOffset] = (member, now + LockMs);
                                }
                                else if (type == AcknowledgeType.Release)
                                {
                                    holders.Remove(batch.FirstOffset);
                                    notBefore[batch.FirstOffset] = now + options.BackoffDelayMs(lastCount[batch.FirstOffset], 0.5);
                                }
                                else
                                {
                                    Assert.False(holders.ContainsKey(batch.FirstOffset), $"seed {seed}: {batch.FirstOffset} completed without notice");
                                }
                            }
                        }
                        break;
                    }
                case 7:
                    time.Advance(TimeSpan.FromMilliseconds(random.Next(0, (int)(LockMs * 3 / 2))));
                    break;
                case 8:
                    {
                        var member = members[random.Next(members.Length)];
                        partition.ReleaseMember(member);
                        foreach (var offset in holders.Where(h => h.Value.Member == member).Select(h => h.Key).ToList())
                        {
                            holders.Remove(offset);
                            notBefore.Remove(offset);
                        }
                        break;
                    }
                case 9:
                    // Crash: a broker restart restores the last snapshot; locks and backoff are gone.
                    partition = Create(partition.Snapshot());
                    holders.Clear();
                    notBefore.Clear();
                    break;
            }
            // A lock past its deadline is gone whether or not the partition noticed yet (it expires
            // lazily, at its next operation, so any backoff starts at the deadline or later).
            foreach (var (offset, holder) in holders.Where(h => h.Value.Deadline <= Now()).ToList())
            {
                holders.Remove(offset);
                notBefore[offset] = options.RetryBackoffOnLockTimeout ? holder.Deadline + options.BackoffDelayMs(lastCount[offset], 0.5) : 0;
            }
            var start = partition.StartOffset;
            Assert.True(start >= lastStart, $"seed {seed}: SPSO moved back from {lastStart} to {start}");
            lastStart = start;
            Assert.True(partition.InFlightCount <= options.MaxRecordLocks, $"seed {seed}: window {partition.InFlightCount} > {options.MaxRecordLocks}");
            Assert.All(completions, c => Assert.True(c.Value == 1, $"seed {seed}: {c.Key} completed {c.Value} times"));
            for (var offset = start; offset < partition.EndOffset; offset++)
            {
                var (state, count, holder) = partition.StateOf(offset);
                Assert.True(count >= lastCount.GetValueOrDefault(offset), $"seed {seed}: delivery count of {offset} went down");
                Assert.Equal(state == RecordState.Acquired, holder is not null);
            }
        }

        // Drain: everything produced ends Acknowledged or Archived, exactly once.
        for (var round = 0; round < 10_000 && partition.StartOffset < highWatermark; round++)
        {
            time.Advance(TimeSpan.FromMilliseconds(LockMs * 2));
            var from = partition.NextFetchOffset();
            if (from is null)
            {
                continue;
            }
            foreach (var range in partition.Acquire("drain", from.Value, highWatermark, 50))
            {
                Assert.Equal(ErrorCode.None, partition.Acknowledge("drain", [new AcknowledgementBatch(range.FirstOffset, range.LastOffset, [(byte)AcknowledgeType.Accept])]));
            }
        }
        Assert.Equal(highWatermark, partition.StartOffset);
        for (var offset = 0L; offset < highWatermark; offset++)
        {
            Assert.True(completions.GetValueOrDefault(offset) == 1, $"seed {seed}: {offset} completed {completions.GetValueOrDefault(offset)} times");
        }
    }
}
