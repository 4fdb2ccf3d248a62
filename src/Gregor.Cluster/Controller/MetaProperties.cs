using System.Security.Cryptography;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The data directory's identity file, <c>&lt;data-dir&gt;/meta.properties</c>, in Kafka's
/// format, written once when the directory is first used:
/// <code>
/// #Written by Gregor
/// version=1
/// cluster.id=q1Sh-9_ISia_zwGINzRvyQ
/// node.id=1
/// </code>
/// A directory that belongs to another node id is refused rather than silently reused.
/// </summary>
public sealed record MetaProperties(string ClusterId, int NodeId)
{
    public const string FileName = "meta.properties";

    /// <summary>Reads the file, or creates it with a fresh cluster id (or <paramref name="clusterId"/>).</summary>
    public static MetaProperties LoadOrCreate(string dataDirectory, int nodeId, string? clusterId = null)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in File.ReadAllLines(path))
            {
                var trimmed = line.Trim();
                if (trimmed.Length == 0 || trimmed[0] is '#' or '!')
                {
                    continue;
                }
                var eq = trimmed.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    values[trimmed[..eq].Trim()] = trimmed[(eq + 1)..].Trim();
                }
            }
            if (!values.TryGetValue("cluster.id", out var storedCluster) || storedCluster.Length == 0)
            {
                throw new InvalidDataException($"{path} has no cluster.id");
            }
            if (values.TryGetValue("node.id", out var storedNode) && storedNode != nodeId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                throw new InvalidDataException($"{path} belongs to node.id={storedNode}, but this node is node.id={nodeId}");
            }
            return new MetaProperties(storedCluster, nodeId);
        }
        var created = new MetaProperties(clusterId ?? NewClusterId(), nodeId);
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write($"#Written by Gregor\nversion=1\ncluster.id={created.ClusterId}\nnode.id={nodeId}\n");
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        return created;
    }

    /// <summary>A cluster id as Kafka makes one: a random UUID in URL-safe base64 without padding (22 chars).</summary>
    public static string NewClusterId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
