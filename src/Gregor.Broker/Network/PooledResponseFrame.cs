using System.Buffers;
using System.IO.Pipelines;
using Gregor.Protocol.Primitives;

namespace Gregor.Broker.Network;

/// <summary>
/// A response encoded into a <see cref="ProtocolWriter"/> (pooled buffer) whose first four
/// bytes are the big-endian length of the rest. Owns the writer and returns its buffer on
/// dispose. Not thread-safe.
/// </summary>
public sealed class PooledResponseFrame : ResponseFrame
{
    private ProtocolWriter? _writer;

    /// <summary>Takes ownership of <paramref name="writer"/>, which must start with a 4-byte placeholder; patches the length.</summary>
    public PooledResponseFrame(ProtocolWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (writer.Length < 4)
        {
            throw new ArgumentException("a frame starts with its 4-byte length", nameof(writer));
        }
        writer.PatchInt32(0, writer.Length - 4);
        _writer = writer;
    }

    /// <summary>A frame holding <paramref name="payload"/> (tests and simple callers).</summary>
    public static PooledResponseFrame FromPayload(ReadOnlySpan<byte> payload)
    {
        var writer = new ProtocolWriter(payload.Length + 4);
        writer.WriteInt32(0);
        writer.WriteRaw(payload);
        return new PooledResponseFrame(writer);
    }

    public override long Length => _writer?.Length ?? 0;

    /// <summary>The frame's bytes, prefix included (valid until disposed).</summary>
    public ReadOnlyMemory<byte> Bytes => _writer?.WrittenMemory ?? throw new ObjectDisposedException(nameof(PooledResponseFrame));

    public override async ValueTask WriteToAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var bytes = Bytes;
        // Large responses go out in chunks, each flushed, so the transport's pause threshold
        // holds for them too (instead of copying the whole response into the pipe first).
        while (bytes.Length > ChunkSize)
        {
            output.Write(bytes.Span[..ChunkSize]);
            bytes = bytes[ChunkSize..];
            var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled)
            {
                return;
            }
        }
        output.Write(bytes.Span);
    }

    private const int ChunkSize = 256 * 1024;

    protected override void Dispose(bool disposing)
    {
        Interlocked.Exchange(ref _writer, null)?.Dispose();
    }
}
