using System.Net;
using Gregor.Broker.Network;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Dispatch;

/// <summary>
/// Everything about one request except its body: the parsed header, the connection it came
/// on, when it arrived. Created by the dispatcher per request; immutable, so a handler may
/// pass it to other threads.
/// </summary>
public sealed class RequestContext
{
    public RequestContext(RequestHeader header, ConnectionInfo connection, long receivedTimestampMs)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(connection);
        Header = header;
        Connection = connection;
        ReceivedTimestampMs = receivedTimestampMs;
    }

    public RequestHeader Header { get; }

    public ApiKey ApiKey => Header.ApiKey;

    public short ApiVersion => Header.ApiVersion;

    public int CorrelationId => Header.CorrelationId;

    public string? ClientId => Header.ClientId;

    public ConnectionInfo Connection { get; }

    /// <summary>Unique per connection within the process (for fetch sessions, quotas, logs).</summary>
    public string ConnectionId => Connection.ConnectionId;

    public EndPoint? RemoteEndPoint => Connection.RemoteEndPoint;

    public string ListenerName => Connection.ListenerName;

    /// <summary>Unix milliseconds when the request's last byte was read.</summary>
    public long ReceivedTimestampMs { get; }

    /// <summary>
    /// Keeps <paramref name="resource"/> alive as long as the response needs it: a fetch response
    /// references pinned file ranges (<c>FetchedRecords</c>). The dispatcher hands it to the
    /// encoded frame, which splices the ranges in by reference (the write loop reads them straight
    /// into the transport pipe) and disposes the resource once the frame has been written (or
    /// dropped); if encoding fails it is disposed at once. One resource per request: registering
    /// a second throws.
    /// </summary>
    public void DisposeAfterEncoding(IDisposable resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (Interlocked.CompareExchange(ref _responseResource, resource, null) is not null)
        {
            throw new InvalidOperationException("a response resource is already registered for this request");
        }
    }

    /// <summary>
    /// Expected size in bytes of the encoded response, 0 when unknown. A fetch handler sets it to
    /// its record bytes plus overhead so the response buffer is rented once at the right size
    /// instead of doubling from 512 bytes (each doubling copied everything written so far).
    /// Only a hint: the writer still grows if it is too small.
    /// </summary>
    public int ResponseSizeHint { get; set; }

    /// <summary>Hands over what <see cref="DisposeAfterEncoding"/> registered (the response frame then owns it).</summary>
    internal IDisposable? TakeResponseResource() => Interlocked.Exchange(ref _responseResource, null);

    /// <summary>Disposes what <see cref="DisposeAfterEncoding"/> registered (idempotent).</summary>
    internal void DisposeResponseResources() => Interlocked.Exchange(ref _responseResource, null)?.Dispose();

    private IDisposable? _responseResource;
}
