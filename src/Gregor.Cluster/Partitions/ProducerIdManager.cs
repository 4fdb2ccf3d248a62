using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// Hands out producer ids for InitProducerId. Ids come in blocks from the controller, which
/// persists each block in the metadata log (ProducerIdsRecord), so an id is never handed out
/// twice across restarts; the next block is fetched in the background when the current one is
/// 90 % used. As in Kafka, a producer without a transactional id always gets a fresh id with
/// epoch 0 (an idempotent producer re-initialising after an error is a new producer).
/// <para>
/// Transactions are out of scope: a request with a transactional id gets an id remembered in
/// memory for that transactional id and its epoch bumped on every InitProducerId (a new id when
/// the epoch would overflow) — enough for clients that initialise transactions, not a
/// transaction coordinator (no persistence, no fencing of in-flight transactions). At most
/// <see cref="MaxTransactionalIds"/> are remembered; beyond that the oldest is forgotten.
/// </para>
/// <para>Thread-safety: all methods are safe to call concurrently.</para>
/// </summary>
public sealed class ProducerIdManager
{
    public const int DefaultBlockSize = 1000;
    public const int MaxTransactionalIds = 100_000;

    private readonly Func<int, CancellationToken, Task<long>> _allocateBlock;
    private readonly int _blockSize;
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly Dictionary<string, (long ProducerId, short Epoch)> _transactional = new(StringComparer.Ordinal);
    private readonly Queue<string> _transactionalOrder = new();
    private long _next;
    private long _blockEnd;
    private Task<long>? _prefetch;

    /// <param name="allocateBlock">
    /// Reserves <c>size</c> consecutive ids and returns the first one (QuorumController.AllocateProducerIdBlockAsync).
    /// </param>
    /// <param name="blockSize">Ids per block (Kafka uses 1000).</param>
    /// <param name="transactionMaxTimeoutMs">transaction.max.timeout.ms: the longest transaction timeout a transactional producer may ask for.</param>
    public ProducerIdManager(Func<int, CancellationToken, Task<long>> allocateBlock, int blockSize = DefaultBlockSize, int transactionMaxTimeoutMs = DefaultTransactionMaxTimeoutMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(transactionMaxTimeoutMs, 1);
        _allocateBlock = allocateBlock;
        _blockSize = blockSize;
        TransactionMaxTimeoutMs = transactionMaxTimeoutMs;
    }

    /// <summary>Kafka's default transaction.max.timeout.ms (15 minutes).</summary>
    public const int DefaultTransactionMaxTimeoutMs = 900_000;

    /// <summary>transaction.max.timeout.ms.</summary>
    public int TransactionMaxTimeoutMs { get; }

    /// <summary>
    /// The checks Kafka makes on an InitProducerId request before any id is handed out, in its
    /// order: KafkaApis refuses a producer id without an epoch or the reverse (INVALID_REQUEST);
    /// then TransactionCoordinator.handleInitProducerId accepts anything without a transactional
    /// id, refuses an empty one (INVALID_REQUEST) and a transaction timeout that is not in
    /// (0, transaction.max.timeout.ms] (INVALID_TRANSACTION_TIMEOUT) — whether or not the
    /// transactional id was ever seen.
    /// </summary>
    public ErrorCode ValidateInitProducerId(string? transactionalId, int transactionTimeoutMs, long producerId, short producerEpoch)
    {
        if ((producerId == -1) != (producerEpoch == -1))
        {
            return ErrorCode.InvalidRequest;
        }
        if (transactionalId is null)
        {
            return ErrorCode.None;
        }
        if (transactionalId.Length == 0)
        {
            return ErrorCode.InvalidRequest;
        }
        return transactionTimeoutMs > 0 && transactionTimeoutMs <= TransactionMaxTimeoutMs
            ? ErrorCode.None
            : ErrorCode.InvalidTransactionTimeout;
    }

    /// <summary>Allocates the next producer id.</summary>
    public async ValueTask<long> NextProducerIdAsync(CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_next >= _blockEnd)
            {
                var pending = _prefetch ?? _allocateBlock(_blockSize, cancellationToken);
                _prefetch = null; // a failed allocation is retried by the next caller
                var first = await pending.ConfigureAwait(false);
                _next = first;
                _blockEnd = first + _blockSize;
            }
            var id = _next++;
            if (_prefetch is null && _blockEnd - _next <= _blockSize / 10)
            {
                _prefetch = _allocateBlock(_blockSize, CancellationToken.None);
            }
            return id;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// InitProducerId. <paramref name="producerId"/>/<paramref name="producerEpoch"/> are the
    /// caller's current ones (-1/-1 for a new producer, KIP-360). The request has passed
    /// <see cref="ValidateInitProducerId"/>.
    /// </summary>
    public async ValueTask<(ErrorCode Error, long ProducerId, short ProducerEpoch)> InitProducerIdAsync(
        string? transactionalId,
        long producerId,
        short producerEpoch,
        CancellationToken cancellationToken)
    {
        if (transactionalId is null)
        {
            return (ErrorCode.None, await NextProducerIdAsync(cancellationToken).ConfigureAwait(false), 0);
        }
        if (transactionalId.Length == 0)
        {
            return (ErrorCode.InvalidRequest, -1, -1);
        }
        (long ProducerId, short Epoch) current;
        bool known;
        lock (_transactional)
        {
            known = _transactional.TryGetValue(transactionalId, out current);
        }
        if (known && producerId >= 0 && (producerId != current.ProducerId || producerEpoch != current.Epoch))
        {
            return (ErrorCode.InvalidProducerEpoch, -1, -1);
        }
        (long ProducerId, short Epoch) next = known && current.Epoch < short.MaxValue - 1
            ? (current.ProducerId, (short)(current.Epoch + 1))
            : (await NextProducerIdAsync(cancellationToken).ConfigureAwait(false), (short)0);
        lock (_transactional)
        {
            if (!_transactional.ContainsKey(transactionalId))
            {
                _transactionalOrder.Enqueue(transactionalId);
                while (_transactionalOrder.Count > MaxTransactionalIds)
                {
                    _transactional.Remove(_transactionalOrder.Dequeue());
                }
            }
            _transactional[transactionalId] = next;
        }
        return (ErrorCode.None, next.ProducerId, next.Epoch);
    }
}
