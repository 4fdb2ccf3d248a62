using System.Net;
using Gregor.Broker.Config;

namespace Gregor.Broker.Network;

/// <summary>
/// The listeners as actually bound (port 0 replaced by the port the OS chose) and the
/// addresses to advertise to clients (Metadata, FindCoordinator, DescribeCluster): the
/// configured <c>advertised.listeners</c>, or the bound broker (non-controller) listeners when none are configured,
/// with a wildcard host replaced by this machine's name. Set once by <see cref="GregorBroker"/>
/// after binding, before any connection is accepted; read-only afterwards, so thread-safe.
/// </summary>
public sealed class ListenerEndpoints(BrokerConfig config)
{
    private IReadOnlyList<IPEndPoint> _bound = [];
    private IReadOnlyList<ListenerAddress> _advertised = config.AdvertisedListeners;

    public IReadOnlyList<IPEndPoint> Bound => Volatile.Read(ref _bound);

    public IReadOnlyList<ListenerAddress> Advertised => Volatile.Read(ref _advertised);

    /// <summary>The bound address of the listener named <paramref name="name"/> (e.g. the controller listener), or null.</summary>
    public IPEndPoint? BoundListener(string name)
    {
        var bound = Bound;
        for (var i = 0; i < config.Listeners.Count && i < bound.Count; i++)
        {
            if (string.Equals(config.Listeners[i].Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return bound[i];
            }
        }
        return null;
    }

    internal void SetBound(IReadOnlyList<IPEndPoint> bound)
    {
        Volatile.Write(ref _bound, bound);
        var explicitAdvertised = config.Values.ContainsKey("advertised.listeners");
        if (explicitAdvertised)
        {
            return;
        }
        var advertised = new List<ListenerAddress>(config.Listeners.Count);
        for (var i = 0; i < config.Listeners.Count; i++)
        {
            var listener = config.Listeners[i];
            if (config.IsControllerListenerName(listener.Name))
            {
                continue; // clients never see a controller listener
            }
            var port = i < bound.Count ? bound[i].Port : listener.Port;
            var host = listener.Host is "" or "0.0.0.0" or "::" ? Dns.GetHostName() : listener.Host;
            advertised.Add(listener with { Host = host, Port = port });
        }
        Volatile.Write(ref _advertised, advertised);
    }
}
