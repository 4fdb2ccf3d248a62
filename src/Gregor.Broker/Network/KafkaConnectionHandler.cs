using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Network;

/// <summary>
/// Kestrel's entry point for one Kafka listener (plugged in by <see cref="KafkaListenOptionsExtensions.UseKafka"/>):
/// holds each accepted connection at the <see cref="AcceptGate"/> until the node accepts
/// clients, then wraps it in a <see cref="KafkaConnection"/>, registers it for the idle reaper,
/// and runs it until it closes. One instance per listener (it knows the listener's name);
/// thread-safe, since Kestrel calls it concurrently for every connection.
/// </summary>
public sealed class KafkaConnectionHandler(
    IRequestProcessor processor,
    NetworkSettings settings,
    ConnectionRegistry registry,
    NetworkMetrics metrics,
    AcceptGate gate,
    ILogger<KafkaConnectionHandler> logger,
    string listenerName) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!gate.IsOpen && !await PassGateAsync(connection).ConfigureAwait(false))
        {
            return;
        }
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

    /// <summary>False when the connection closed or the server began stopping before the gate opened.</summary>
    private async Task<bool> PassGateAsync(ConnectionContext connection)
    {
        var stopping = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed, stopping);
        try
        {
            await gate.WaitAsync(giveUp.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
        {
            return false;
        }
    }
}
