using Gregor.Protocol.Errors;

namespace Gregor.Broker.Shares;

/// <summary>
/// One topic partition as a share group consumes it (Kafka's <c>SharePartition</c>, KIP-932): the
/// in-flight window from the share-partition start offset (SPSO, <see cref="StartOffset"/>) to its
/// end (<see cref="EndOffset"/>, exclusive: the first offset never acquired), and each record's
/// state, delivery count, lock holder and lock deadline. Records below SPSO are all complete;
/// records from EndOffset on were never delivered. Sans-I/O: the caller reads the log and persists
/// snapshots; time comes from the injected <see cref="TimeProvider"/>.
/// <para>
/// Rules: acquiring locks a record to one member for <see cref="SharePartitionOptions.RecordLockDurationMs"/>
/// and increments its delivery count. ACCEPT makes it Acknowledged; REJECT and GAP archive it;
/// RELEASE and lock expiry make it Available again (after the retry backoff, when on) or Archived once
/// it was delivered <see cref="SharePartitionOptions.DeliveryCountLimit"/> times; RENEW restarts the
/// lock. Acknowledging a record the member does not hold is INVALID_RECORD_STATE, and an
/// acknowledgement is all or nothing. SPSO advances over complete records and never moves back.
/// The window never exceeds <see cref="SharePartitionOptions.MaxRecordLocks"/> records, so memory is
/// one array of that size.
/// </para>
/// Thread-safety: every public member takes the instance's lock. Expired locks are released lazily
/// at the start of every operation, so correctness never depends on a timer calling <see cref="ExpireLocks"/>.
/// </summary>
public sealed class SharePartition
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly Func<double> _random;
    private readonly Action<long, RecordState, short>? _completed;
    private readonly Entry[] _entries;
    private int _head;
    private long _start;
    private long _end;
    private long _nextLockDeadlineMs = long.MaxValue;

    /// <param name="options">Lock duration, delivery limit, window bound, retry backoff.</param>
    /// <param name="time">The clock for locks and backoff.</param>
    /// <param name="startOffset">Initial SPSO when <paramref name="restored"/> is null (from <c>share.auto.offset.reset</c>).</param>
    /// <param name="restored">Persisted state: SPSO and state batches; Acquired records come back Available.</param>
    /// <param name="random">Jitter source returning [0, 1); defaults to <see cref="Random.Shared"/>.</param>
    /// <param name="completed">Called (under the lock) once per record that becomes Acknowledged or Archived, with its delivery count.</param>
    public SharePartition(
        SharePartitionOptions options,
        TimeProvider time,
        long startOffset,
        SharePartitionSnapshot? restored = null,
        Func<double>? random = null,
        Action<long, RecordState, short>? completed = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRecordLocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DeliveryCountLimit, 1);
        Options = options;
        _time = time;
        _random = random ?? Random.Shared.NextDouble;
        _completed = completed;
        _start = restored?.StartOffset ?? startOffset;
        _end = _start;
        var span = 0L;
        if (restored is not null)
        {
            foreach (var batch in restored.StateBatches)
            {
                span = Math.Max(span, batch.LastOffset + 1 - _start);
            }
        }
        _entries = new Entry[Math.Max(options.MaxRecordLocks, (int)Math.Min(span, int.MaxValue))];
        if (restored is not null && span > 0)
        {
            _end = _start + span;
            foreach (var batch in restored.StateBatches)
            {
                for (var offset = Math.Max(batch.FirstOffset, _start); offset <= batch.LastOffset; offset++)
                {
                    ref var entry = ref EntryAt(offset);
                    entry.State = batch.DeliveryState;
                    entry.DeliveryCount = batch.DeliveryCount;
                    // A lock does not survive its holder's broker: an unfinished delivery ends as a
                    // lock expiry would, so a record at the delivery limit is archived, the rest are Available.
                    if (entry.State is RecordState.Available or RecordState.Acquired)
                    {
                        Release(offset, ref entry, 0, backoff: false);
                    }
                }
            }
            AdvanceStart();
        }
    }

    public SharePartitionOptions Options { get; }

    /// <summary>SPSO: every record below it is Acknowledged or Archived.</summary>
    public long StartOffset
    {
        get
        {
            lock (_lock)
            {
                return _start;
            }
        }
    }

    /// <summary>The first offset never acquired (Kafka's SPEO + 1).</summary>
    public long EndOffset
    {
        get
        {
            lock (_lock)
            {
                return _end;
            }
        }
    }

    /// <summary>Records in the window (EndOffset − StartOffset), at most MaxRecordLocks.</summary>
    public int InFlightCount
    {
        get
        {
            lock (_lock)
            {
                return (int)(_end - _start);
            }
        }
    }

    /// <summary>Records currently locked to a member.</summary>
    public int AcquiredCount
    {
        get
        {
            lock (_lock)
            {
                var count = 0;
                for (var offset = _start; offset < _end; offset++)
                {
                    count += EntryAt(offset).State == RecordState.Acquired ? 1 : 0;
                }
                return count;
            }
        }
    }

    /// <summary>Records in the window that are already Acknowledged or Archived (they no longer count as lag).</summary>
    public int CompletedInWindowCount
    {
        get
        {
            lock (_lock)
            {
                var count = 0;
                for (var offset = _start; offset < _end; offset++)
                {
                    count += EntryAt(offset).State is RecordState.Acknowledged or RecordState.Archived ? 1 : 0;
                }
                return count;
            }
        }
    }

    /// <summary>The earliest lock deadline (Unix ms), or null when nothing is locked: when a timer should call <see cref="ExpireLocks"/>.</summary>
    public long? NextLockDeadlineMs
    {
        get
        {
            lock (_lock)
            {
                return _nextLockDeadlineMs == long.MaxValue ? null : _nextLockDeadlineMs;
            }
        }
    }

    /// <summary>
    /// When something changes by time alone (Unix ms): the earliest lock deadline or the earliest
    /// end of a retry backoff, or null when nothing waits on the clock. A waiting fetch wakes then.
    /// </summary>
    public long? NextWakeUpMs()
    {
        lock (_lock)
        {
            var now = NowMs();
            var next = _nextLockDeadlineMs;
            for (var offset = _start; offset < _end; offset++)
            {
                ref var entry = ref EntryAt(offset);
                if (entry.State == RecordState.Available && entry.NotBeforeMs > now && entry.NotBeforeMs < next)
                {
                    next = entry.NotBeforeMs;
                }
            }
            return next == long.MaxValue ? null : next;
        }
    }

    /// <summary>
    /// Where a fetch should start reading the log: the first Available record whose backoff is over,
    /// else <see cref="EndOffset"/>. Null when nothing can be acquired now (the window is full and
    /// holds nothing Available): the caller need not read.
    /// </summary>
    public long? NextFetchOffset()
    {
        lock (_lock)
        {
            var now = NowMs();
            ExpireLocksLocked(now);
            for (var offset = _start; offset < _end; offset++)
            {
                ref var entry = ref EntryAt(offset);
                if (entry.State == RecordState.Available && entry.NotBeforeMs <= now)
                {
                    return offset;
                }
            }
            return _end - _start < _entries.Length ? _end : null;
        }
    }

    /// <summary>
    /// Moves SPSO up to the log start offset (retention, DeleteRecords): records that no longer exist
    /// are archived; a window left empty restarts at <paramref name="logStartOffset"/>.
    /// </summary>
    public void AdvanceToLogStart(long logStartOffset)
    {
        lock (_lock)
        {
            if (logStartOffset <= _start)
            {
                return;
            }
            while (_start < _end && _start < logStartOffset)
            {
                ref var entry = ref EntryAt(_start);
                if (entry.State is RecordState.Available or RecordState.Acquired)
                {
                    Complete(_start, ref entry, RecordState.Archived);
                }
                entry = default;
                _head = (_head + 1) % _entries.Length;
                _start++;
            }
            if (_start == _end)
            {
                _start = _end = Math.Max(_end, logStartOffset);
            }
            AdvanceStart();
        }
    }

    /// <summary>
    /// Locks to <paramref name="memberId"/> at most <paramref name="maxRecords"/> records among the
    /// offsets [<paramref name="fromOffset"/>, <paramref name="readEndOffset"/>) — what the caller read
    /// from the log, bounded by what consumers may see (HW or LSO): Available records of the window
    /// whose backoff is over first, then new ones past the window end while the window has room.
    /// Returns the acquired ranges in offset order (empty when none).
    /// </summary>
    public IReadOnlyList<AcquiredRange> Acquire(string memberId, long fromOffset, long readEndOffset, int maxRecords)
    {
        ArgumentException.ThrowIfNullOrEmpty(memberId);
        lock (_lock)
        {
            var now = NowMs();
            ExpireLocksLocked(now);
            var acquired = new List<AcquiredRange>();
            var deadline = now + Options.RecordLockDurationMs;
            var budget = maxRecords;
            var offset = Math.Max(fromOffset, _start);
            for (; offset < _end && offset < readEndOffset && budget > 0; offset++)
            {
                ref var entry = ref EntryAt(offset);
                if (entry.State != RecordState.Available || entry.NotBeforeMs > now)
                {
                    continue;
                }
                Lock(ref entry, memberId, deadline);
                AddToRanges(acquired, offset, entry.DeliveryCount);
                budget--;
            }
            if (fromOffset <= _end)
            {
                while (_end < readEndOffset && budget > 0 && _end - _start < _entries.Length)
                {
                    ref var entry = ref EntryAt(_end);
                    entry = default;
                    Lock(ref entry, memberId, deadline);
                    AddToRanges(acquired, _end, entry.DeliveryCount);
                    _end++;
                    budget--;
                }
            }
            return acquired;
        }
    }

    /// <summary>
    /// Applies <paramref name="batches"/> from <paramref name="memberId"/>: all or nothing. Errors:
    /// INVALID_REQUEST for offsets past the window end, reversed, unordered or overlapping ranges or a type list that matches
    /// neither one type nor one per offset, or an unknown type; INVALID_RECORD_STATE for a record
    /// the member does not hold (lock expired, another member's, already complete).
    /// </summary>
    public ErrorCode Acknowledge(string memberId, IReadOnlyList<AcknowledgementBatch> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        lock (_lock)
        {
            var now = NowMs();
            ExpireLocksLocked(now);
            var previousLast = long.MinValue;
            foreach (var batch in batches)
            {
                // Batches must be in order and disjoint (Kafka: INVALID_REQUEST), so no record completes twice.
                if (batch.FirstOffset <= previousLast)
                {
                    return ErrorCode.InvalidRequest;
                }
                previousLast = batch.LastOffset;
                var error = Validate(memberId, batch);
                if (error != ErrorCode.None)
                {
                    return error;
                }
            }
            foreach (var batch in batches)
            {
                for (var offset = batch.FirstOffset; offset <= batch.LastOffset; offset++)
                {
                    ref var entry = ref EntryAt(offset);
                    switch (batch.TypeAt(offset))
                    {
                        case AcknowledgeType.Accept:
                            Complete(offset, ref entry, RecordState.Acknowledged);
                            break;
                        case AcknowledgeType.Reject:
                        case AcknowledgeType.Gap:
                            Complete(offset, ref entry, RecordState.Archived);
                            break;
                        case AcknowledgeType.Release:
                            Release(offset, ref entry, now, backoff: true);
                            break;
                        case AcknowledgeType.Renew:
                            entry.LockDeadlineMs = now + Options.RecordLockDurationMs;
                            break;
                    }
                }
            }
            AdvanceStart();
            RecomputeNextDeadline();
            return ErrorCode.None;
        }
    }

    /// <summary>
    /// Releases every record <paramref name="memberId"/> holds (its share session closed, its
    /// connection dropped, it left the group): as a RELEASE without backoff. Returns how many.
    /// </summary>
    public int ReleaseMember(string memberId)
    {
        lock (_lock)
        {
            var now = NowMs();
            ExpireLocksLocked(now);
            var released = 0;
            for (var offset = _start; offset < _end; offset++)
            {
                ref var entry = ref EntryAt(offset);
                if (entry.State == RecordState.Acquired && entry.Holder == memberId)
                {
                    Release(offset, ref entry, now, backoff: false);
                    released++;
                }
            }
            AdvanceStart();
            RecomputeNextDeadline();
            return released;
        }
    }

    /// <summary>Releases every record whose lock deadline has passed; returns how many.</summary>
    public int ExpireLocks()
    {
        lock (_lock)
        {
            return ExpireLocksLocked(NowMs());
        }
    }

    /// <summary>The state and delivery count of <paramref name="offset"/>: below SPSO it is complete (reported Acknowledged, count unknown = 0).</summary>
    public (RecordState State, short DeliveryCount, string? Holder) StateOf(long offset)
    {
        lock (_lock)
        {
            if (offset < _start)
            {
                return (RecordState.Acknowledged, 0, null);
            }
            if (offset >= _end)
            {
                return (RecordState.Available, 0, null);
            }
            var entry = EntryAt(offset);
            return (entry.State, entry.DeliveryCount, entry.Holder);
        }
    }

    /// <summary>The persistent view: SPSO and runs of equal (state, count), Acquired written as Available.</summary>
    public SharePartitionSnapshot Snapshot()
    {
        lock (_lock)
        {
            var batches = new List<PersistedStateBatch>();
            for (var offset = _start; offset < _end; offset++)
            {
                var entry = EntryAt(offset);
                var state = entry.State == RecordState.Acquired ? RecordState.Available : entry.State;
                if (batches.Count > 0 && batches[^1] is var last && last.LastOffset == offset - 1
                    && last.DeliveryState == state && last.DeliveryCount == entry.DeliveryCount)
                {
                    batches[^1] = last with { LastOffset = offset };
                }
                else
                {
                    batches.Add(new PersistedStateBatch(offset, offset, state, entry.DeliveryCount));
                }
            }
            return new SharePartitionSnapshot(_start, batches);
        }
    }

    /// <summary>
    /// Moves SPSO to <paramref name="offset"/> (AlterShareGroupOffsets, only while no member
    /// consumes): the window is dropped.
    /// </summary>
    public void Reset(long offset)
    {
        lock (_lock)
        {
            Array.Clear(_entries);
            _head = 0;
            _start = _end = offset;
            _nextLockDeadlineMs = long.MaxValue;
        }
    }

    private ErrorCode Validate(string memberId, AcknowledgementBatch batch)
    {
        if (batch.LastOffset < batch.FirstOffset || batch.LastOffset >= _end
            || (batch.Types.Count != 1 && batch.Types.Count != batch.LastOffset - batch.FirstOffset + 1))
        {
            return ErrorCode.InvalidRequest;
        }
        for (var offset = batch.FirstOffset; offset <= batch.LastOffset; offset++)
        {
            if (batch.TypeAt(offset) > AcknowledgeType.Renew)
            {
                return ErrorCode.InvalidRequest;
            }
            if (offset < _start)
            {
                return ErrorCode.InvalidRecordState;
            }
            ref var entry = ref EntryAt(offset);
            if (entry.State != RecordState.Acquired || entry.Holder != memberId)
            {
                return ErrorCode.InvalidRecordState;
            }
        }
        return ErrorCode.None;
    }

    private int ExpireLocksLocked(long now)
    {
        if (_nextLockDeadlineMs > now)
        {
            return 0;
        }
        var expired = 0;
        for (var offset = _start; offset < _end; offset++)
        {
            ref var entry = ref EntryAt(offset);
            if (entry.State == RecordState.Acquired && entry.LockDeadlineMs <= now)
            {
                Release(offset, ref entry, now, Options.RetryBackoffOnLockTimeout);
                expired++;
            }
        }
        AdvanceStart();
        RecomputeNextDeadline();
        return expired;
    }

    private void Lock(ref Entry entry, string memberId, long deadline)
    {
        entry.State = RecordState.Acquired;
        entry.Holder = memberId;
        entry.LockDeadlineMs = deadline;
        entry.NotBeforeMs = 0;
        if (entry.DeliveryCount < short.MaxValue)
        {
            entry.DeliveryCount++;
        }
        _nextLockDeadlineMs = Math.Min(_nextLockDeadlineMs, deadline);
    }

    private void Release(long offset, ref Entry entry, long now, bool backoff)
    {
        entry.Holder = null;
        entry.LockDeadlineMs = 0;
        if (entry.DeliveryCount >= Options.DeliveryCountLimit)
        {
            Complete(offset, ref entry, RecordState.Archived);
            return;
        }
        entry.State = RecordState.Available;
        entry.NotBeforeMs = backoff ? now + Options.BackoffDelayMs(entry.DeliveryCount, _random()) : 0;
    }

    private void Complete(long offset, ref Entry entry, RecordState terminal)
    {
        entry.State = terminal;
        entry.Holder = null;
        entry.LockDeadlineMs = 0;
        entry.NotBeforeMs = 0;
        _completed?.Invoke(offset, terminal, entry.DeliveryCount);
    }

    private void AdvanceStart()
    {
        while (_start < _end && EntryAt(_start).State is RecordState.Acknowledged or RecordState.Archived)
        {
            _entries[_head] = default;
            _head = (_head + 1) % _entries.Length;
            _start++;
        }
        if (_start == _end)
        {
            _head = 0;
        }
    }

    private void RecomputeNextDeadline()
    {
        var next = long.MaxValue;
        for (var offset = _start; offset < _end; offset++)
        {
            ref var entry = ref EntryAt(offset);
            if (entry.State == RecordState.Acquired && entry.LockDeadlineMs < next)
            {
                next = entry.LockDeadlineMs;
            }
        }
        _nextLockDeadlineMs = next;
    }

    private static void AddToRanges(List<AcquiredRange> ranges, long offset, short deliveryCount)
    {
        if (ranges.Count > 0 && ranges[^1] is var last && last.LastOffset == offset - 1 && last.DeliveryCount == deliveryCount)
        {
            ranges[^1] = last with { LastOffset = offset };
            return;
        }
        ranges.Add(new AcquiredRange(offset, offset, deliveryCount));
    }

    private ref Entry EntryAt(long offset) => ref _entries[(_head + (int)(offset - _start)) % _entries.Length];

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private struct Entry
    {
        public RecordState State;
        public short DeliveryCount;
        public string? Holder;
        public long LockDeadlineMs;
        public long NotBeforeMs;
    }
}
