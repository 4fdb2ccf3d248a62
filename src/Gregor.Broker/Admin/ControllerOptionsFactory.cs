using Gregor.Broker.Config;
using Gregor.Cluster.Controller;
using Gregor.Protocol;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Admin;

/// <summary>Maps the broker's server.properties-style config onto the controller's options.</summary>
public static class ControllerOptionsFactory
{
    /// <summary>
    /// Opens the controller on the data dir (replaying its metadata log). A data dir it cannot use
    /// (it belongs to another node id, an unreadable metadata log) becomes a printable
    /// <see cref="BrokerStartException"/>, whichever component first needs the controller.
    /// </summary>
    public static QuorumController CreateController(BrokerConfig config, ILogger<QuorumController>? logger)
    {
        try
        {
            return new QuorumController(Create(config), store: null, logger);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or ProtocolException)
        {
            throw new BrokerStartException($"the cluster metadata in {config.DataDir} cannot be used: {e.Message}", BrokerStartFailure.DataDirUnusable, e);
        }
    }

    public static QuorumControllerOptions Create(BrokerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var advertised = config.AdvertisedListeners.Count > 0 ? config.AdvertisedListeners[0] : config.Listeners[0];
        return new QuorumControllerOptions
        {
            NodeId = config.NodeId,
            DataDirectory = config.DataDir,
            ClusterId = config.ClusterId,
            // A port of 0 is replaced by the bound port once the listener is up (BrokerRegistration).
            AdvertisedHost = advertised.Host is "" or "0.0.0.0" or "::" ? "127.0.0.1" : advertised.Host,
            AdvertisedPort = advertised.Port,
            ListenerName = advertised.Name,
            DefaultNumPartitions = config.NumPartitions,
            DefaultReplicationFactor = config.DefaultReplicationFactor,
            DeleteTopicEnable = config.DeleteTopicEnable,
            StaticBrokerConfigs = config.Values,
        };
    }
}
