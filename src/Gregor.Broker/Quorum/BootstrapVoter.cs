using System.Globalization;
using Gregor.Broker.Config;

namespace Gregor.Broker.Quorum;

/// <summary>
/// One voter of the initial voter set written by <c>gregor storage format --standalone</c> or
/// <c>--initial-controllers</c> (KIP-853): node id, directory id, and the controller listener
/// it is reached on. Immutable.
/// </summary>
public sealed record BootstrapVoter(int Id, string DirectoryId, string ListenerName, string Host, int Port)
{
    /// <summary>
    /// Parses kafka-storage.sh's <c>--initial-controllers</c> value,
    /// <c>{id}@{host}:{port}:{directoryId},...</c>; throws <see cref="FormatException"/> with the reason.
    /// </summary>
    public static IReadOnlyList<BootstrapVoter> ParseInitialControllers(string text, string listenerName)
    {
        var voters = new List<BootstrapVoter>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = part.IndexOf('@', StringComparison.Ordinal);
            var lastColon = part.LastIndexOf(':');
            if (at <= 0 || lastColon <= at
                || !int.TryParse(part.AsSpan(0, at), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new FormatException($"Unable to parse '{part}': expected {{id}}@{{host}}:{{port}}:{{directoryId}}");
            }
            var directoryId = part[(lastColon + 1)..];
            if (!KafkaUuid.TryParse(directoryId, out _))
            {
                throw new FormatException($"Unable to parse '{part}': '{directoryId}' is not a directory id (22 characters of URL-safe base64)");
            }
            ListenerAddress address;
            try
            {
                address = ListenerAddress.Parse(part[(at + 1)..lastColon], "--initial-controllers");
            }
            catch (BrokerConfigException e)
            {
                throw new FormatException($"Unable to parse '{part}': {e.Message}");
            }
            if (address.Port == 0 || address.Host.Length == 0)
            {
                throw new FormatException($"Unable to parse '{part}': a host and a non-zero port are required");
            }
            if (voters.Any(v => v.Id == id))
            {
                throw new FormatException($"Voter id {id} appears twice in --initial-controllers");
            }
            voters.Add(new BootstrapVoter(id, directoryId, listenerName, address.Host, address.Port));
        }
        if (voters.Count == 0)
        {
            throw new FormatException("--initial-controllers names no controller");
        }
        return voters;
    }
}
