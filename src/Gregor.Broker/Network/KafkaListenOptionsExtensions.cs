using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Network;

/// <summary>Plugs a Kafka listener into a Kestrel endpoint of the host's server.</summary>
public static class KafkaListenOptionsExtensions
{
    /// <summary>
    /// Serves the Kafka protocol on this endpoint with a <see cref="KafkaConnectionHandler"/> for
    /// the listener <paramref name="listenerName"/> (Kestrel's <c>UseConnectionHandler&lt;T&gt;</c>,
    /// which cannot pass the listener's name to the handler).
    /// </summary>
    public static ListenOptions UseKafka(this ListenOptions listenOptions, string listenerName)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        var handler = ActivatorUtilities.CreateInstance<KafkaConnectionHandler>(listenOptions.ApplicationServices, listenerName);
        listenOptions.Run(handler.OnConnectedAsync);
        return listenOptions;
    }
}
