using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller.Core;

/// <summary>
/// The broker side of KIP-631 (Kafka's BrokerLifecycleManager) as a sans-I/O state machine:
/// register a new incarnation, heartbeat every broker.heartbeat.interval.ms with the metadata
/// offset replayed so far, get unfenced once caught up, and on shutdown ask for a controlled
/// shutdown and wait until the controller lets go. The shell (the node's production loop, or the
/// simulator) calls <see cref="Poll"/> for the request to send, sends it to the active controller,
/// and hands back the answer (or the failure); the manager keeps at most one request in flight,
/// retries after a backoff, and treats a request unanswered for RequestTimeoutMs as failed.
/// Single-threaded; time only from the injected <see cref="TimeProvider"/>, the incarnation id
/// only from the injected <see cref="Random"/>.
/// </summary>
public sealed class BrokerLifecycleManager
{
    private readonly BrokerLifecycleOptions _options;
    private readonly TimeProvider _time;
    private long _sequence;
    private long _inFlight = -1;
    private long _inFlightSinceMs;
    private long _nextSendMs;
    private long _metadataOffset = -1;
    private long _previousBrokerEpoch = -1;
    private bool _readyToUnfence;
    private bool _started;

    public BrokerLifecycleManager(BrokerLifecycleOptions options, TimeProvider time, Random random)
    {
        _options = options;
        _time = time;
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0f) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3f) | 0x80);
        IncarnationId = new Guid(bytes, bigEndian: true);
    }

    /// <summary>This process's incarnation (a fresh one per start, from the injected PRNG).</summary>
    public Guid IncarnationId { get; }

    public BrokerLifecycleState State { get; private set; } = BrokerLifecycleState.Starting;

    /// <summary>The broker epoch the controller gave this incarnation; -1 until registered.</summary>
    public long BrokerEpoch { get; private set; } = -1;

    /// <summary>True until the controller reports this broker unfenced.</summary>
    public bool IsFenced { get; private set; } = true;

    /// <summary>True once a heartbeat answer said this broker has replayed up to its registration.</summary>
    public bool IsCaughtUp { get; private set; }

    /// <summary>The last error the controller answered (for logs and tests); None after a success.</summary>
    public ErrorCode LastError { get; private set; }

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// Starts registering. <paramref name="previousBrokerEpoch"/> is the epoch of the incarnation
    /// before a clean shutdown (KIP-966), -1 when unknown.
    /// </summary>
    public void Start(long previousBrokerEpoch = -1)
    {
        _previousBrokerEpoch = previousBrokerEpoch;
        _started = true;
        _nextSendMs = NowMs;
    }

    /// <summary>The metadata loader replayed up to <paramref name="offset"/> (reported in heartbeats).</summary>
    public void SetMetadataOffset(long offset) => _metadataOffset = Math.Max(_metadataOffset, offset);

    /// <summary>The broker's logs are loaded and it may serve: stop asking to stay fenced.</summary>
    public void SetReadyToUnfence() => _readyToUnfence = true;

    /// <summary>Asks for a controlled shutdown with the next heartbeat (sent at once).</summary>
    public void BeginControlledShutdown()
    {
        if (State is BrokerLifecycleState.ShuttingDown or BrokerLifecycleState.PendingControlledShutdown)
        {
            return;
        }
        if (State == BrokerLifecycleState.Starting)
        {
            State = BrokerLifecycleState.ShuttingDown; // never registered: nothing to hand over
            return;
        }
        State = BrokerLifecycleState.PendingControlledShutdown;
        _nextSendMs = NowMs;
    }

    /// <summary>When <see cref="Poll"/> next has something to do (ms); long.MaxValue when never.</summary>
    public long NextDeadlineMs =>
        !_started || State == BrokerLifecycleState.ShuttingDown ? long.MaxValue
        : _inFlight >= 0 ? _inFlightSinceMs + _options.RequestTimeoutMs
        : _nextSendMs;

    /// <summary>The request to send now, or null (one in flight, or not due yet).</summary>
    public BrokerLifecycleRequest? Poll()
    {
        if (!_started || State == BrokerLifecycleState.ShuttingDown)
        {
            return null;
        }
        var now = NowMs;
        if (_inFlight >= 0)
        {
            if (now - _inFlightSinceMs < _options.RequestTimeoutMs)
            {
                return null;
            }
            _inFlight = -1; // abandoned: its late answer will be ignored
        }
        if (now < _nextSendMs)
        {
            return null;
        }
        _inFlight = ++_sequence;
        _inFlightSinceMs = now;
        if (BrokerEpoch < 0)
        {
            return new BrokerLifecycleRequest(_inFlight, new BrokerRegistrationRequestData(
                _options.BrokerId, _options.ClusterId, IncarnationId, _options.Listeners, _options.Rack, _previousBrokerEpoch), null);
        }
        return new BrokerLifecycleRequest(_inFlight, null, new BrokerHeartbeatRequestData(
            _options.BrokerId, BrokerEpoch, _metadataOffset,
            WantFence: !_readyToUnfence && State != BrokerLifecycleState.PendingControlledShutdown,
            WantShutDown: State == BrokerLifecycleState.PendingControlledShutdown));
    }

    /// <summary>The request could not be answered (no controller known, connection lost, timed out): retry after the backoff.</summary>
    public void HandleFailure(long sequence)
    {
        if (sequence != _inFlight)
        {
            return;
        }
        _inFlight = -1;
        _nextSendMs = NowMs + _options.RetryBackoffMs;
    }

    public void HandleRegistrationReply(long sequence, BrokerRegistrationReplyData reply)
    {
        if (sequence != _inFlight)
        {
            return;
        }
        _inFlight = -1;
        LastError = reply.Error;
        if (reply.Error != ErrorCode.None)
        {
            // NOT_CONTROLLER, a duplicate registration whose session has not expired yet, …: try again.
            _nextSendMs = NowMs + _options.RetryBackoffMs;
            return;
        }
        BrokerEpoch = reply.BrokerEpoch;
        IsFenced = true;
        IsCaughtUp = false;
        if (State == BrokerLifecycleState.Starting)
        {
            State = BrokerLifecycleState.Recovery;
        }
        _nextSendMs = NowMs; // the first heartbeat right away, as Kafka does
    }

    public void HandleHeartbeatReply(long sequence, BrokerHeartbeatReplyData reply)
    {
        if (sequence != _inFlight)
        {
            return;
        }
        _inFlight = -1;
        LastError = reply.Error;
        var now = NowMs;
        if (reply.Error == ErrorCode.StaleBrokerEpoch)
        {
            // The controller no longer knows this registration (e.g. replaced): register again,
            // same incarnation, so the controller takes it as this process's own retry.
            _previousBrokerEpoch = BrokerEpoch;
            BrokerEpoch = -1;
            IsFenced = true;
            if (State != BrokerLifecycleState.PendingControlledShutdown)
            {
                State = BrokerLifecycleState.Starting;
            }
            _nextSendMs = now;
            return;
        }
        if (reply.Error != ErrorCode.None)
        {
            _nextSendMs = now + _options.RetryBackoffMs;
            return;
        }
        IsCaughtUp = reply.IsCaughtUp;
        IsFenced = reply.IsFenced;
        State = State switch
        {
            BrokerLifecycleState.PendingControlledShutdown when reply.ShouldShutDown => BrokerLifecycleState.ShuttingDown,
            BrokerLifecycleState.PendingControlledShutdown => BrokerLifecycleState.PendingControlledShutdown,
            _ when reply.IsFenced => BrokerLifecycleState.Recovery,
            _ => BrokerLifecycleState.Running,
        };
        // While catching up or shutting down, ask again sooner than the interval, as Kafka does.
        _nextSendMs = State is BrokerLifecycleState.Recovery or BrokerLifecycleState.PendingControlledShutdown && !reply.IsCaughtUp
            ? now + Math.Min(_options.HeartbeatIntervalMs, 10 * _options.RetryBackoffMs)
            : now + _options.HeartbeatIntervalMs;
    }
}
