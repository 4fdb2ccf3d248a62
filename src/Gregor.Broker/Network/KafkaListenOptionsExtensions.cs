using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Network;

/// <summary>Plugs a Kafka listener into a Kestrel endpoint of the host's server.</summary>
public static class KafkaListenOptionsExtensions
{
    /// <summary>
    /// Serves the Kafka protocol on this endpoint: each connection waits at the node's
    /// <see cref="AcceptGate"/>, then goes to the <see cref="KafkaConnectionHandler"/> of the
    /// listener <paramref name="listenerName"/> (as Kestrel's <c>UseConnectionHandler&lt;T&gt;</c>,
    /// which cannot pass the listener's name). The handler, and with it every component it
    /// needs, is created at the first connection through the gate, not when the server is
    /// configured (which happens when the application is built, before the node's start steps).
    /// </summary>
    public static ListenOptions UseKafka(this ListenOptions listenOptions, string listenerName)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        var services = listenOptions.ApplicationServices;
        var gate = services.GetRequiredService<AcceptGate>();
        var handler = new Lazy<KafkaConnectionHandler>(() => ActivatorUtilities.CreateInstance<KafkaConnectionHandler>(services, listenerName));
        listenOptions.Run(async connection =>
        {
            if (await gate.PassAsync(connection).ConfigureAwait(false))
            {
                await handler.Value.OnConnectedAsync(connection).ConfigureAwait(false);
            }
        });
        return listenOptions;
    }
}
