using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Network;

/// <summary>
/// Closes connections with no request in flight and no byte read or written for
/// <c>connections.max.idle.ms</c> (Kafka's default: 10 minutes; -1 disables). One timer for
/// the whole broker scans the registry a few times per idle period, so an idle connection
/// costs no timer of its own. Runs as a hosted service for the broker's lifetime.
/// </summary>
public sealed class IdleConnectionReaper(ConnectionRegistry registry, NetworkSettings settings, ILogger<IdleConnectionReaper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var idleMs = settings.ConnectionsMaxIdleMs;
        if (idleMs < 0)
        {
            return;
        }
        var period = TimeSpan.FromMilliseconds(Math.Clamp(idleMs / 4, 10, 30_000));
        using var timer = new PeriodicTimer(period);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var now = Environment.TickCount64;
                foreach (var connection in registry.Snapshot())
                {
                    if (connection.InFlight == 0 && now - connection.LastActivityMs > idleMs)
                    {
                        NetworkLog.ClosingIdleConnection(logger, connection.Info.ConnectionId, connection.Info.RemoteEndPoint, idleMs);
                        connection.Close($"idle for more than {idleMs} ms", LogLevel.Debug);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
