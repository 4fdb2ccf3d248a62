using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using Gregor.Protocol.Primitives;

namespace Gregor.Broker.Network;

/// <summary>
/// A response encoded into a <see cref="ProtocolWriter"/> (pooled buffer) whose first four
/// bytes are the big-endian length of the rest. Owns the writer and returns its buffer on
/// dispose. When the writer spliced record sets (fetch responses), the frame is the buffer with
/// those values inserted, and the frame also owns what keeps them alive (the fetch's pinned file
/// ranges), releasing it once written. A spliced value backed by an <see cref="ISpliceSource"/>
/// (fetched batches still in their segment files) is read straight into the pipe's memory: the
/// batches go file → transport buffer with no managed copy in between. Not thread-safe.
/// </summary>
public sealed class PooledResponseFrame : ResponseFrame
{
    private const int ChunkSize = 256 * 1024;

    // Asking the pipe for more than one block of its pool would make it allocate outside the
    // pool; any block has at least this much, and a read takes whatever the block offers.
    private const int MinimumReadBytes = 4096;
    private ProtocolWriter? _writer;
    private IDisposable? _splicedMemoryOwner;

    /// <summary>
    /// Takes ownership of <paramref name="writer"/>, which must start with a 4-byte placeholder,
    /// and of <paramref name="splicedMemoryOwner"/>; patches the length (the frame is the whole writer).
    /// </summary>
    public PooledResponseFrame(ProtocolWriter writer, IDisposable? splicedMemoryOwner = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (writer.Length < 4)
        {
            throw new ArgumentException("a frame starts with its 4-byte length", nameof(writer));
        }
        if (writer.TotalLength - 4 > int.MaxValue)
        {
            throw new ArgumentException("a frame holds at most 2 GiB", nameof(writer));
        }
        writer.PatchInt32(0, (int)(writer.TotalLength - 4));
        _writer = writer;
        _splicedMemoryOwner = splicedMemoryOwner;
    }

    /// <summary>A frame holding <paramref name="payload"/> (tests and simple callers).</summary>
    public static PooledResponseFrame FromPayload(ReadOnlySpan<byte> payload)
    {
        var writer = new ProtocolWriter(payload.Length + 4);
        writer.WriteInt32(0);
        writer.WriteRaw(payload);
        return new PooledResponseFrame(writer);
    }

    public override long Length => _writer?.TotalLength ?? 0;

    /// <summary>
    /// The frame's bytes, prefix included (valid until disposed). A frame with spliced record
    /// sets has no single buffer: this copies it into a new array (tests and diagnostics only).
    /// </summary>
    public ReadOnlyMemory<byte> Bytes
    {
        get
        {
            var writer = _writer ?? throw new ObjectDisposedException(nameof(PooledResponseFrame));
            if (writer.Splices.Count == 0)
            {
                return writer.WrittenMemory;
            }
            var whole = new byte[writer.TotalLength];
            var at = 0;
            foreach (var segment in Segments(writer))
            {
                segment.Span.CopyTo(whole.AsSpan(at));
                at += segment.Length;
            }
            return whole;
        }
    }

    public override async ValueTask WriteToAsync(PipeWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var writer = _writer ?? throw new ObjectDisposedException(nameof(PooledResponseFrame));
        // Large responses go out in chunks, each flushed, so the transport's pause threshold
        // holds for them too (instead of copying the whole response into the pipe first).
        var unflushed = 0;
        foreach (var segment in Segments(writer))
        {
            if (MemoryMarshal.TryGetMemoryManager(segment, out MemoryManager<byte>? manager, out var start, out var length)
                && manager is ISpliceSource source)
            {
                // Fetched batches still in their files: read them straight into the pipe's memory.
                var done = 0;
                while (done < length)
                {
                    var memory = output.GetMemory(Math.Min(length - done, MinimumReadBytes));
                    var want = Math.Min(Math.Min(memory.Length, length - done), ChunkSize - unflushed);
                    var read = source.ReadAt(start + done, memory.Span[..want]);
                    if (read <= 0)
                    {
                        throw new IOException($"a spliced record set ended after {done} of {length} bytes");
                    }
                    output.Advance(read);
                    done += read;
                    unflushed += read;
                    if (unflushed >= ChunkSize)
                    {
                        unflushed = 0;
                        var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                        if (flush.IsCompleted || flush.IsCanceled)
                        {
                            return;
                        }
                    }
                }
                continue;
            }
            var bytes = segment;
            while (unflushed + bytes.Length > ChunkSize)
            {
                var take = ChunkSize - unflushed;
                output.Write(bytes.Span[..take]);
                bytes = bytes[take..];
                unflushed = 0;
                var flush = await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    return;
                }
            }
            output.Write(bytes.Span);
            unflushed += bytes.Length;
        }
    }

    // The buffer cut at each splice position, with the spliced values in between.
    private static IEnumerable<ReadOnlyMemory<byte>> Segments(ProtocolWriter writer)
    {
        var buffer = writer.WrittenMemory;
        var at = 0;
        foreach (var splice in writer.Splices)
        {
            yield return buffer[at..splice.Position];
            yield return splice.Bytes;
            at = splice.Position;
        }
        yield return buffer[at..];
    }

    protected override void Dispose(bool disposing)
    {
        Interlocked.Exchange(ref _writer, null)?.Dispose();
        Interlocked.Exchange(ref _splicedMemoryOwner, null)?.Dispose();
    }
}
