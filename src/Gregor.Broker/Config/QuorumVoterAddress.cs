using System.Globalization;

namespace Gregor.Broker.Config;

/// <summary>
/// One static voter of <c>controller.quorum.voters</c>, written <c>{id}@{host}:{port}</c>: the
/// node id and the address of its controller listener. Immutable.
/// </summary>
public sealed record QuorumVoterAddress(int Id, string Host, int Port)
{
    /// <summary>Parses a comma-separated voter list; throws <see cref="BrokerConfigException"/> naming <paramref name="key"/>.</summary>
    public static IReadOnlyList<QuorumVoterAddress> ParseList(string text, string key)
    {
        var voters = new List<QuorumVoterAddress>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = part.IndexOf('@', StringComparison.Ordinal);
            if (at <= 0 || !int.TryParse(part.AsSpan(0, at), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                throw new BrokerConfigException($"Invalid value {text} for configuration {key}: unable to parse '{part}' as {{id}}@{{host}}:{{port}}");
            }
            var address = ListenerAddress.Parse(part[(at + 1)..], key);
            if (address.Port == 0 || address.Host.Length == 0)
            {
                throw new BrokerConfigException($"Invalid value {text} for configuration {key}: '{part}' needs a host and a non-zero port");
            }
            if (voters.Any(v => v.Id == id))
            {
                throw new BrokerConfigException($"Invalid value {text} for configuration {key}: voter id {id} appears twice");
            }
            voters.Add(new QuorumVoterAddress(id, address.Host, address.Port));
        }
        return voters;
    }

    public override string ToString() => Host.Contains(':') ? $"{Id}@[{Host}]:{Port}" : $"{Id}@{Host}:{Port}";
}
