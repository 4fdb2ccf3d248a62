using System.Collections.Concurrent;
using Gregor.Cluster.Raft;
using Gregor.Cluster.Raft.Messages;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Quorum;

/// <summary>
/// <see cref="IRaftTransport"/> over Kafka-protocol connections to the other voters' controller
/// listeners: one <see cref="KafkaClientConnection"/> per destination, opened on first use and
/// reopened after a failure with exponential backoff (50 ms doubling to 1 s); at most
/// <see cref="MaxInFlightPerDestination"/> requests outstanding per destination (more are failed at
/// once — the core retries on its timers). Answers and failures come back to the core as loop
/// events. Also the client other node parts use to reach a voter (<see cref="SendAsync"/>:
/// broker heartbeats, forwarded admin requests) — over a second connection per destination, as
/// Kafka keeps its Raft channel apart from the broker-to-controller channel: a listener answers a
/// connection's requests in arrival order, so a forwarded CreateTopics waiting for its commit
/// would otherwise hold back the Fetch responses that commit needs (with one voter down, until a
/// timeout broke the wait). Thread-safe.
/// </summary>
public sealed class KafkaRaftTransport(RaftDriver driver, int nodeId, IReadOnlyDictionary<int, (string Host, int Port)> voters, ILogger logger)
    : IRaftTransport, IDisposable
{
    /// <summary>The client id prefix of every request one node sends another (so a receiver can tell a forwarded request from a client's).</summary>
    public const string NodeClientIdPrefix = "gregor-node-";

    public const int MaxInFlightPerDestination = 32;

    private readonly ConcurrentDictionary<int, Destination> _destinations = new();
    private readonly ConcurrentDictionary<int, Destination> _clientDestinations = new();
    private readonly CancellationTokenSource _closed = new();

    private sealed class Destination
    {
        public readonly SemaphoreSlim ConnectLock = new(1, 1);
        public KafkaClientConnection? Connection;
        public long RetryAtMs;
        public int BackoffMs = 50;
        public int InFlight;
    }

    public IReadOnlyDictionary<int, (string Host, int Port)> Voters => voters;

    public void SendRequest(int destinationId, long correlationId, RaftRequest request)
    {
        var destination = _destinations.GetOrAdd(destinationId, _ => new Destination());
        if (Interlocked.Increment(ref destination.InFlight) > MaxInFlightPerDestination)
        {
            Interlocked.Decrement(ref destination.InFlight);
            driver.Post(now => driver.Raft.HandleRequestFailed(destinationId, correlationId, now));
            return;
        }
        var (body, version) = RaftWire.ToWire(request);
        _ = Task.Run(async () =>
        {
            try
            {
                var response = await SendOnAsync(_destinations, destinationId, body, version, _closed.Token).ConfigureAwait(false);
                var raftResponse = RaftWire.FromWire(response);
                driver.Post(now => driver.Raft.HandleResponse(destinationId, correlationId, raftResponse, now));
            }
            catch (Exception e) when (e is not OperationCanceledException || !_closed.IsCancellationRequested)
            {
                logger.LogDebug(e, "Raft request {Request} to node {Node} failed", request.GetType().Name, destinationId);
                driver.Post(now => driver.Raft.HandleRequestFailed(destinationId, correlationId, now));
            }
            catch (OperationCanceledException)
            {
            }
            finally
            {
                Interlocked.Decrement(ref destination.InFlight);
            }
        });
    }

    public void SendResponse(int destinationId, long correlationId, RaftResponse response) => driver.CompleteInbound(correlationId, response);

    /// <summary>Sends any request to voter <paramref name="destinationId"/>'s controller listener; throws <see cref="IOException"/> when it cannot be reached.</summary>
    public Task<IResponseMessage> SendAsync(int destinationId, IRequestMessage body, short version, CancellationToken cancellationToken) =>
        SendOnAsync(_clientDestinations, destinationId, body, version, cancellationToken);

    private async Task<IResponseMessage> SendOnAsync(
        ConcurrentDictionary<int, Destination> destinations, int destinationId, IRequestMessage body, short version, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(destinations, destinationId, cancellationToken).ConfigureAwait(false);
        try
        {
            return await connection.SendAsync(body, version, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            var destination = destinations.GetOrAdd(destinationId, _ => new Destination());
            Interlocked.CompareExchange(ref destination.Connection, null, connection);
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<KafkaClientConnection> ConnectionAsync(ConcurrentDictionary<int, Destination> destinations, int destinationId, CancellationToken cancellationToken)
    {
        if (!voters.TryGetValue(destinationId, out var endpoint))
        {
            throw new IOException($"node {destinationId} is not a known voter");
        }
        var destination = destinations.GetOrAdd(destinationId, _ => new Destination());
        if (destination.Connection is { IsClosed: false } open)
        {
            return open;
        }
        await destination.ConnectLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (destination.Connection is { IsClosed: false } again)
            {
                return again;
            }
            var now = Environment.TickCount64;
            if (now < destination.RetryAtMs)
            {
                throw new IOException($"node {destinationId} at {endpoint.Host}:{endpoint.Port} is unreachable (backing off)");
            }
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                var connection = await KafkaClientConnection.ConnectAsync(endpoint.Host, endpoint.Port, $"{NodeClientIdPrefix}{nodeId}", 64, timeout.Token)
                    .ConfigureAwait(false);
                destination.Connection = connection;
                destination.BackoffMs = 50;
                return connection;
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                destination.RetryAtMs = Environment.TickCount64 + destination.BackoffMs;
                destination.BackoffMs = Math.Min(destination.BackoffMs * 2, 1000);
                throw new IOException($"cannot connect to node {destinationId} at {endpoint.Host}:{endpoint.Port}: {e.Message}", e);
            }
        }
        finally
        {
            destination.ConnectLock.Release();
        }
    }

    public void Dispose()
    {
        _closed.Cancel();
        foreach (var (_, destination) in _destinations.Concat(_clientDestinations))
        {
            destination.Connection?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
