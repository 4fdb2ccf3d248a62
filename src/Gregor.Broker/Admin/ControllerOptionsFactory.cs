using Gregor.Broker.Config;
using Gregor.Cluster.Controller;

namespace Gregor.Broker.Admin;

/// <summary>Maps the broker's server.properties-style config onto the controller's options.</summary>
public static class ControllerOptionsFactory
{
    public static QuorumControllerOptions Create(BrokerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var advertised = config.AdvertisedListeners.Count > 0 ? config.AdvertisedListeners[0]
            : config.BrokerListeners.Count > 0 ? config.BrokerListeners[0] : config.Listeners[0];
        return new QuorumControllerOptions
        {
            NodeId = config.NodeId,
            DataDirectory = config.MetadataLogDir,
            ClusterId = config.ClusterId,
            // Registration uses the bound listener (BrokerSteps.RegisterBroker); these are the configured values.
            AdvertisedHost = advertised.Host is "" or "0.0.0.0" or "::" ? "127.0.0.1" : advertised.Host,
            AdvertisedPort = advertised.Port,
            ListenerName = advertised.Name,
            DefaultNumPartitions = config.NumPartitions,
            DefaultReplicationFactor = config.DefaultReplicationFactor,
            DeleteTopicEnable = config.DeleteTopicEnable,
            Rack = config.BrokerRack,
            StaticBrokerConfigs = config.Values,
            AutoLeaderRebalanceEnable = config.AutoLeaderRebalanceEnable,
            LeaderImbalanceCheckIntervalMs = config.LeaderImbalanceCheckIntervalSeconds * 1000,
            LeaderImbalancePerBrokerPercentage = config.LeaderImbalancePerBrokerPercentage,
        };
    }
}
