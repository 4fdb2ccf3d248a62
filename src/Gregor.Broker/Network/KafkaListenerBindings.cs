using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gregor.Broker.Network;

/// <summary>
/// The Kestrel endpoints of the Kafka listeners, in <c>listeners</c> order, captured when the
/// server is configured so the node can read the ports actually bound (port 0 resolved) once
/// the server started. Written during the bind, read afterwards; not for concurrent writes.
/// </summary>
internal sealed class KafkaListenerBindings(int count)
{
    private readonly ListenOptions?[] _listeners = new ListenOptions?[count];

    public void Track(int index, ListenOptions listenOptions) => _listeners[index] = listenOptions;

    /// <summary>The bound endpoints; throws if the server has not bound every listener.</summary>
    public IReadOnlyList<IPEndPoint> Bound() =>
        [.. _listeners.Select((l, i) => l?.IPEndPoint ?? throw new InvalidOperationException($"Kafka listener {i} is not bound"))];
}
