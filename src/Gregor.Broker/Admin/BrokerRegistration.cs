using Gregor.Broker.Network;
using Gregor.Cluster.Controller;

namespace Gregor.Broker.Admin;

/// <summary>
/// Keeps this node's broker registration in the metadata image equal to the listener clients
/// must use. The controller registers the configured advertised listener at start, but a
/// listener bound to port 0 only knows its port after Kestrel binds; handlers that hand out
/// broker addresses call <see cref="EnsureCurrentAsync"/> first (a cheap comparison when
/// nothing changed). Thread-safe.
/// </summary>
public sealed class BrokerRegistration(IController controller, ListenerEndpoints listeners)
{
    public ValueTask EnsureCurrentAsync(CancellationToken cancellationToken)
    {
        var advertised = listeners.Advertised;
        if (advertised.Count == 0 || advertised[0].Port <= 0)
        {
            return ValueTask.CompletedTask;
        }
        return controller.UpdateAdvertisedListenerAsync(advertised[0].Host, advertised[0].Port, cancellationToken);
    }
}
