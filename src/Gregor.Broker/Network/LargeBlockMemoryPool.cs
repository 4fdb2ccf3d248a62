using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Gregor.Broker.Network;

/// <summary>
/// The memory pool behind every connection's transport pipes: pinned blocks of
/// <see cref="BlockSize"/> bytes instead of Kestrel's 4 KiB. The socket transport receives
/// into one pool block per recv call, so the block size is the largest read the kernel can
/// hand over at once: with 4 KiB blocks a 256 KiB produce request took 64 recv system calls
/// (a quarter of the broker's CPU in the 1 KiB produce profile went to recv), with 64 KiB it
/// takes 4. Idle connections hold no block (the transport waits for data before renting).
/// <para>
/// Bounded: at most <see cref="MaxRetainedBlocks"/> returned blocks are kept for reuse; more are
/// left to the garbage collector. Thread-safe; blocks may be rented and returned on any thread.
/// </para>
/// </summary>
public sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    /// <summary>Bytes per block: the largest single socket read.</summary>
    public const int BlockSize = 64 * 1024;

    /// <summary>Returned blocks kept for reuse (16 MiB); the rest are dropped.</summary>
    public const int MaxRetainedBlocks = 256;

    private readonly ConcurrentQueue<Block> _free = new();
    private int _freeCount;
    private bool _disposed;

    public override int MaxBufferSize => BlockSize;

    /// <summary>Blocks waiting for reuse (for tests and metrics).</summary>
    public int RetainedBlocks => Volatile.Read(ref _freeCount);

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockSize);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_free.TryDequeue(out var block))
        {
            Interlocked.Decrement(ref _freeCount);
            block.Lease();
            return block;
        }
        var fresh = new Block(this);
        fresh.Lease();
        return fresh;
    }

    private void Return(Block block)
    {
        if (_disposed || Interlocked.Increment(ref _freeCount) > MaxRetainedBlocks)
        {
            Interlocked.Decrement(ref _freeCount);
            return;
        }
        _free.Enqueue(block);
    }

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        _free.Clear();
    }

    /// <summary>Kestrel asks DI for this to build the socket transport's pool.</summary>
    public sealed class Factory : IMemoryPoolFactory<byte>
    {
        private int _created;

        /// <summary>Pools handed out so far (Kestrel creates one per transport).</summary>
        public int PoolsCreated => Volatile.Read(ref _created);

        public MemoryPool<byte> Create(MemoryPoolOptions? options = null)
        {
            Interlocked.Increment(ref _created);
            return new LargeBlockMemoryPool();
        }
    }

    private sealed class Block(LargeBlockMemoryPool pool) : IMemoryOwner<byte>
    {
        // Pinned (pinned object heap): the socket layer pins receive buffers for every call otherwise.
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockSize, pinned: true);
        private int _leased;

        public Memory<byte> Memory => Volatile.Read(ref _leased) == 1
            ? _array
            : throw new ObjectDisposedException(nameof(LargeBlockMemoryPool), "the block was returned to its pool");

        public void Lease() => Volatile.Write(ref _leased, 1);

        public void Dispose()
        {
            // A double dispose must not put one block in the pool twice.
            if (Interlocked.Exchange(ref _leased, 0) == 1)
            {
                pool.Return(this);
            }
        }
    }
}
