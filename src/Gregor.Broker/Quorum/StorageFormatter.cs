using System.Net;
using Gregor.Broker.Config;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Log;

namespace Gregor.Broker.Quorum;

/// <summary>
/// Formats a node's storage as <c>kafka-storage.sh format</c> does: <c>meta.properties</c>
/// (version 1, cluster.id, node.id, a fresh directory.id) in every log directory and in the
/// metadata log directory, plus — for <c>--standalone</c> / <c>--initial-controllers</c> — the
/// bootstrap checkpoint with the initial voter set (<see cref="BootstrapCheckpoint"/>). Also the
/// start-time check (<see cref="EnsureFormatted"/>): a sole voter formats itself, so
/// <c>gregor serve</c> alone is a cluster of one; any other node must have been formatted,
/// because a voter with an empty log among several could be elected without the committed data.
/// Stateless.
/// </summary>
public static class StorageFormatter
{
    /// <summary>The folder of the metadata partition under the metadata log dir (where the bootstrap checkpoint goes).</summary>
    public static string MetadataPartitionDirectory(BrokerConfig config) =>
        Path.Combine(config.MetadataLogDir, FileMetadataLogStore.MetadataDirectoryName, FileMetadataLogStore.DirectoryName);

    /// <summary>
    /// Formats every directory of <paramref name="config"/>; returns the lines to print
    /// ("Formatting metadata directory /x with metadata.version 3.9-IV0."). Throws
    /// <see cref="StorageFormatException"/> with kafka-storage.sh's reasons.
    /// </summary>
    public static IReadOnlyList<string> Format(BrokerConfig config, StorageFormatOptions options, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(options);
        if (!KafkaUuid.TryParse(options.ClusterId, out _))
        {
            throw new StorageFormatException($"Cluster ID string {options.ClusterId} does not appear to be a valid UUID: it must be 22 characters of URL-safe base64 (gregor storage random-uuid makes one)");
        }
        var modes = (options.Standalone ? 1 : 0) + (options.InitialControllers is not null ? 1 : 0) + (options.NoInitialControllers ? 1 : 0);
        if (modes > 1)
        {
            throw new StorageFormatException("Only one of --standalone, --initial-controllers and --no-initial-controllers may be given");
        }
        if (modes > 0 && config.QuorumVoters.Count > 0)
        {
            throw new StorageFormatException(
                "You cannot specify controller.quorum.voters and format the node with --initial-controllers or --standalone. "
                + "If you want to use dynamic quorum, please remove controller.quorum.voters and specify controller.quorum.bootstrap.servers instead.");
        }
        if ((options.Standalone || options.InitialControllers is not null) && !config.IsController)
        {
            throw new StorageFormatException("--standalone and --initial-controllers format a controller; process.roles of this node has no controller role");
        }
        if (config.IsController && config.QuorumVoters.Count == 0 && config.QuorumBootstrapServers.Count > 0 && modes == 0)
        {
            throw new StorageFormatException(
                "Because controller.quorum.voters is not set on this controller, you must specify one of the following: --standalone, --initial-controllers, or --no-initial-controllers.");
        }

        var metadataDirectoryId = KafkaUuid.NewRandom();
        IReadOnlyList<BootstrapVoter>? voters = null;
        if (options.Standalone)
        {
            voters = [StandaloneVoter(config, metadataDirectoryId)];
        }
        else if (options.InitialControllers is not null)
        {
            var listenerName = config.ControllerListenerNames.Count > 0 ? config.ControllerListenerNames[0] : "CONTROLLER";
            try
            {
                voters = BootstrapVoter.ParseInitialControllers(options.InitialControllers, listenerName);
            }
            catch (FormatException e)
            {
                throw new StorageFormatException(e.Message);
            }
            var self = voters.FirstOrDefault(v => v.Id == config.NodeId)
                ?? throw new StorageFormatException($"--initial-controllers does not contain this node's id {config.NodeId}");
            metadataDirectoryId = self.DirectoryId;
        }

        var directories = new List<string>();
        foreach (var directory in config.LogDirectories.Append(config.MetadataLogDir))
        {
            var full = Path.GetFullPath(directory);
            if (!directories.Contains(full, StringComparer.Ordinal))
            {
                directories.Add(full);
            }
        }
        var metadataDirectory = Path.GetFullPath(config.MetadataLogDir);
        var unformatted = new List<string>();
        foreach (var directory in directories)
        {
            MetaProperties? existing;
            try
            {
                existing = MetaProperties.TryRead(directory);
            }
            catch (InvalidDataException e)
            {
                throw new StorageFormatException(e.Message);
            }
            if (existing is null)
            {
                unformatted.Add(directory);
            }
            else if (!options.IgnoreFormatted)
            {
                throw new StorageFormatException(
                    $"Log directory {directory} is already formatted. Use --ignore-formatted to ignore this directory and format the others.");
            }
        }
        if (unformatted.Count == 0)
        {
            return ["All of the log directories are already formatted."];
        }
        var lines = new List<string>();
        foreach (var directory in unformatted)
        {
            var isMetadata = directory == metadataDirectory;
            try
            {
                if (isMetadata && voters is not null)
                {
                    BootstrapCheckpoint.Write(MetadataPartitionDirectory(config), voters, nowMs);
                }
                // meta.properties last: a directory with it is formatted, so a crash before leaves it unformatted.
                new MetaProperties(options.ClusterId, config.NodeId, isMetadata ? metadataDirectoryId : KafkaUuid.NewRandom()).Write(directory);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new StorageFormatException($"Cannot format {directory}: {e.Message}");
            }
            lines.Add(isMetadata
                ? $"Formatting metadata directory {directory} with metadata.version 3.9-IV0."
                : $"Formatting data directory {directory} with metadata.version 3.9-IV0.");
        }
        if (voters is not null)
        {
            lines.Add($"Initial voters: {string.Join(", ", voters.Select(v => $"{v.Id}@{v.Host}:{v.Port}"))}");
        }
        return lines;
    }

    /// <summary>
    /// Called on start, before the metadata is read. A formatted node is checked (same node id and
    /// cluster id in every directory); an unformatted sole voter formats itself with cluster.id
    /// (or a new id); any other unformatted node is refused with what to run.
    /// </summary>
    public static void EnsureFormatted(BrokerConfig config, long nowMs)
    {
        ArgumentNullException.ThrowIfNull(config);
        MetaProperties? metadata;
        try
        {
            metadata = MetaProperties.TryRead(config.MetadataLogDir);
        }
        catch (InvalidDataException e)
        {
            throw new StorageFormatException(e.Message);
        }
        if (metadata is null)
        {
            if (!config.IsSoleVoter)
            {
                var why = !config.IsController
                    ? $"node {config.NodeId} is a broker-only node"
                    : config.QuorumVoters.Count > 0
                        ? $"node {config.NodeId} is one of {config.QuorumVoters.Count} voters in controller.quorum.voters"
                        : $"node {config.NodeId} finds its quorum through controller.quorum.bootstrap.servers";
                throw new StorageFormatException(
                    $"{Path.GetFullPath(config.MetadataLogDir)} is not formatted and {why}: format it first with "
                    + "'gregor storage format -t <cluster-id> -c <server.properties>' using the same cluster id on every node "
                    + "(gregor storage random-uuid makes one). Only a sole voter formats itself: a voter with an empty log could be elected without the committed metadata.");
            }
            var clusterId = config.ClusterId ?? KafkaUuid.NewRandom();
            Format(config, new StorageFormatOptions { ClusterId = clusterId, IgnoreFormatted = true }, nowMs);
            return;
        }
        if (metadata.NodeId != config.NodeId)
        {
            throw new StorageFormatException(
                $"{MetaProperties.PathIn(Path.GetFullPath(config.MetadataLogDir))} belongs to node.id={metadata.NodeId}, but this node is node.id={config.NodeId}");
        }
        if (config.ClusterId is { } configured && configured != metadata.ClusterId)
        {
            throw new StorageFormatException(
                $"cluster.id={configured} in the configuration differs from cluster.id={metadata.ClusterId} in {MetaProperties.PathIn(Path.GetFullPath(config.MetadataLogDir))}");
        }
        foreach (var directory in config.LogDirectories)
        {
            MetaProperties? data;
            try
            {
                data = MetaProperties.TryRead(directory);
            }
            catch (InvalidDataException e)
            {
                throw new StorageFormatException(e.Message);
            }
            if (data is null)
            {
                // A data directory added after formatting: it joins the node's cluster.
                new MetaProperties(metadata.ClusterId, config.NodeId, KafkaUuid.NewRandom()).Write(directory);
            }
            else if (data.ClusterId != metadata.ClusterId || data.NodeId != config.NodeId)
            {
                throw new StorageFormatException(
                    $"{MetaProperties.PathIn(Path.GetFullPath(directory))} (cluster.id={data.ClusterId}, node.id={data.NodeId}) does not match the metadata directory (cluster.id={metadata.ClusterId}, node.id={config.NodeId})");
            }
        }
    }

    private static BootstrapVoter StandaloneVoter(BrokerConfig config, string directoryId)
    {
        if (config.ControllerListenerNames.Count == 0)
        {
            throw new StorageFormatException("--standalone needs controller.listener.names: the voter set records the controller listener other nodes connect to");
        }
        var name = config.ControllerListenerNames[0];
        ListenerAddress? listener = null;
        if (config.Values.TryGetValue("advertised.listeners", out var advertised) && advertised.Length > 0)
        {
            listener = ListenerAddress.ParseList(advertised, "advertised.listeners")
                .FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase));
        }
        listener ??= config.ControllerListeners.FirstOrDefault(l => string.Equals(l.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new StorageFormatException($"--standalone: no listener named {name} (the first of controller.listener.names) in listeners");
        var host = listener.Host is "" or "0.0.0.0" or "::" ? Dns.GetHostName() : listener.Host;
        return new BootstrapVoter(config.NodeId, directoryId, name, host, listener.Port);
    }
}
