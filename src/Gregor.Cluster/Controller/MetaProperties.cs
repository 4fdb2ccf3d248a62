using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gregor.Storage.Segments;

namespace Gregor.Cluster.Controller;

/// <summary>
/// <c>meta.properties</c> in Kafka's KRaft layout (version 1), one per log directory and in the
/// metadata log directory, written by <c>gregor storage format</c> (or by a sole voter on its
/// first start):
/// <code>
/// #Written by Gregor
/// version=1
/// cluster.id=q1Sh-9_ISia_zwGINzRvyQ
/// node.id=1
/// directory.id=Ah9bDq8eQzeSOwW9ZK6oyg
/// </code>
/// The file is written to a temporary name, fsynced and renamed, so a crash leaves either no file
/// or a whole one. Files written by older Gregor versions (no directory.id) are still read. A
/// directory that belongs to another node id is refused rather than silently reused. Immutable.
/// </summary>
public sealed record MetaProperties(string ClusterId, int NodeId, string? DirectoryId = null)
{
    public const string FileName = "meta.properties";

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>The file in <paramref name="directory"/>, or null when there is none; <see cref="InvalidDataException"/> when it is unusable.</summary>
    public static MetaProperties? TryRead(string directory)
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
        {
            return null;
        }
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
        if (values.TryGetValue("version", out var version) && version != "1")
        {
            throw new InvalidDataException($"{path} has version={version}; only version 1 (KRaft) is supported");
        }
        if (!values.TryGetValue("cluster.id", out var clusterId) || clusterId.Length == 0)
        {
            throw new InvalidDataException($"{path} has no cluster.id");
        }
        if (!values.TryGetValue("node.id", out var nodeText) || !int.TryParse(nodeText, NumberStyles.None, CultureInfo.InvariantCulture, out var nodeId))
        {
            throw new InvalidDataException($"{path} has no valid node.id");
        }
        values.TryGetValue("directory.id", out var directoryId);
        return new MetaProperties(clusterId, nodeId, directoryId);
    }

    /// <summary>
    /// Reads the file, or creates it with a fresh cluster id (or <paramref name="clusterId"/>);
    /// <see cref="InvalidDataException"/> when it belongs to another node id.
    /// </summary>
    public static MetaProperties LoadOrCreate(string dataDirectory, int nodeId, string? clusterId = null)
    {
        if (TryRead(dataDirectory) is { } existing)
        {
            if (existing.NodeId != nodeId)
            {
                throw new InvalidDataException($"{PathIn(dataDirectory)} belongs to node.id={existing.NodeId}, but this node is node.id={nodeId}");
            }
            return existing;
        }
        var created = new MetaProperties(clusterId ?? NewClusterId(), nodeId);
        created.Write(dataDirectory);
        return created;
    }

    /// <summary>Writes the file durably (temp file, fsync, rename), creating the directory.</summary>
    public void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var text = new StringBuilder()
            .Append("#Written by Gregor\n")
            .Append("version=1\n")
            .Append(CultureInfo.InvariantCulture, $"cluster.id={ClusterId}\n")
            .Append(CultureInfo.InvariantCulture, $"node.id={NodeId}\n");
        if (DirectoryId is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"directory.id={DirectoryId}\n");
        }
        DurableFile.WriteAllText(PathIn(directory), text.ToString());
    }

    /// <summary>A cluster id as Kafka makes one: a random UUID in URL-safe base64 without padding (22 chars).</summary>
    public static string NewClusterId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
