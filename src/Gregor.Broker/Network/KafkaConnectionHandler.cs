using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Network;

/// <summary>
/// Kestrel's entry point for one Kafka listener (plugged in by <see cref="KafkaListenOptionsExtensions.UseKafka"/>,
/// behind the <see cref="AcceptGate"/>): wraps each accepted connection in a
/// <see cref="KafkaConnection"/>, registers it for the idle reaper, and runs it until it
/// closes. One instance per listener (it knows the listener's name); thread-safe, since
/// Kestrel calls it concurrently for every connection.
/// </summary>
public sealed class KafkaConnectionHandler(
    IRequestProcessor processor,
    NetworkSettings settings,
    ConnectionRegistry registry,
    NetworkMetrics metrics,
    ILogger<KafkaConnectionHandler> logger,
    string listenerName) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var index = registry.NextIndex();
        var info = new ConnectionInfo(
            $"{connection.LocalEndPoint}-{connection.RemoteEndPoint}-{index}",
            connection.RemoteEndPoint,
            connection.LocalEndPoint,
            listenerName);
        var kafka = new KafkaConnection(connection, info, processor, settings, metrics, logger);
        registry.Add(index, kafka);
        metrics.AcceptedConnections.Add(1);
        metrics.ActiveConnections.Add(1);
        NetworkLog.ConnectionOpened(logger, info.ConnectionId, info.RemoteEndPoint, listenerName);
        // Kestrel asks connection handlers to finish when the server stops.
        using var shutdown = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested.Register(
            static state => ((KafkaConnection)state!).Close("broker shutting down", LogLevel.Debug), kafka);
        try
        {
            await kafka.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            registry.Remove(index);
            metrics.ActiveConnections.Add(-1);
            metrics.ClosedConnections.Add(1);
        }
    }
}
