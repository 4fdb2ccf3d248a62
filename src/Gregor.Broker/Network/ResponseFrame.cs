using System.IO.Pipelines;

namespace Gregor.Broker.Network;

/// <summary>
/// A response ready to go on the wire, length prefix included. <see cref="PooledResponseFrame"/>
/// is the one kind: an encoded buffer plus spliced record sets, which for fetch responses are
/// file ranges read straight into the pipe while writing. The connection
/// writes it exactly once, in request order, then disposes it.
/// </summary>
public abstract class ResponseFrame : IDisposable
{
    /// <summary>Bytes this frame puts on the wire (prefix included), counted against the connection's bound.</summary>
    public abstract long Length { get; }

    /// <summary>Writes the frame into <paramref name="output"/>; the caller flushes.</summary>
    public abstract ValueTask WriteToAsync(PipeWriter output, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="System.Diagnostics.Stopwatch.GetTimestamp"/> when the response was encoded and
    /// ready to send (response-send time starts here); 0 when not known.
    /// </summary>
    public long ReadyTimestamp { get; set; }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}
