using System.Globalization;
using System.Net;

namespace Gregor.Broker.Config;

/// <summary>
/// One listener as written in <c>listeners</c>/<c>advertised.listeners</c>: <c>HOST:PORT</c>
/// or Kafka's <c>NAME://HOST:PORT</c> (the name defaults to PLAINTEXT). An IPv6 host is
/// written in brackets (<c>[::1]:9092</c>). An empty host means every interface, as in Kafka.
/// Immutable.
/// </summary>
public sealed record ListenerAddress(string Name, string Host, int Port)
{
    public const string DefaultName = "PLAINTEXT";

    /// <summary>Parses one address; throws <see cref="BrokerConfigException"/> naming <paramref name="key"/>.</summary>
    public static ListenerAddress Parse(string text, string key)
    {
        var value = text.Trim();
        var name = DefaultName;
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            name = value[..scheme].Trim();
            value = value[(scheme + 3)..];
            if (name.Length == 0)
            {
                throw Invalid(text, key, "the listener name before :// is empty");
            }
        }
        var colon = value.LastIndexOf(':');
        if (colon < 0)
        {
            throw Invalid(text, key, "expected HOST:PORT");
        }
        var host = value[..colon];
        if (host.StartsWith('[') && host.EndsWith(']'))
        {
            host = host[1..^1];
        }
        if (!int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw Invalid(text, key, "the port must be a number from 0 to 65535");
        }
        return new ListenerAddress(name, host, port);
    }

    /// <summary>Parses a comma-separated list, as <c>listeners</c> allows.</summary>
    public static IReadOnlyList<ListenerAddress> ParseList(string text, string key)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw Invalid(text, key, "at least one HOST:PORT is required");
        }
        return [.. parts.Select(p => Parse(p, key))];
    }

    /// <summary>The address to bind: the host resolved to an IP (empty or 0.0.0.0 = any).</summary>
    public IPEndPoint ToBindEndPoint()
    {
        if (Host.Length == 0 || Host == "0.0.0.0")
        {
            return new IPEndPoint(IPAddress.Any, Port);
        }
        if (Host == "::")
        {
            return new IPEndPoint(IPAddress.IPv6Any, Port);
        }
        if (IPAddress.TryParse(Host, out var address))
        {
            return new IPEndPoint(address, Port);
        }
        if (string.Equals(Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return new IPEndPoint(IPAddress.Loopback, Port);
        }
        var resolved = Dns.GetHostAddresses(Host);
        var first = resolved.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? resolved.FirstOrDefault();
        return first is null
            ? throw new BrokerConfigException($"listener host {Host} does not resolve to an address")
            : new IPEndPoint(first, Port);
    }

    /// <summary>HOST:PORT with IPv6 hosts in brackets.</summary>
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    private static BrokerConfigException Invalid(string text, string key, string why) =>
        new($"Invalid value {text} for configuration {key}: {why}");
}
