using Gregor.Broker.Config;

namespace Gregor.Broker.Network;

/// <summary>The per-connection limits the network layer enforces, taken from <see cref="BrokerConfig"/>. Immutable.</summary>
public sealed record NetworkSettings(int MaxRequestBytes, int MaxInFlightRequests, long MaxQueuedBytes, long ConnectionsMaxIdleMs)
{
    public static NetworkSettings From(BrokerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new NetworkSettings(
            config.SocketRequestMaxBytes,
            config.ConnectionMaxInFlightRequests,
            config.ConnectionMaxQueuedBytes,
            config.ConnectionsMaxIdleMs);
    }
}
