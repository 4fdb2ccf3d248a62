using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Gregor.Bench;

/// <summary>
/// N <c>gregor serve</c> processes forming one KRaft cluster on 127.0.0.1, set up as
/// tests/Gregor.Testing/GregorCluster.cs sets up the real-process tests: combined broker +
/// controller nodes, a PLAINTEXT and a CONTROLLER listener each on ports fixed for the cluster's
/// life (a restarted node keeps its address), static voters (<c>controller.quorum.voters</c>),
/// every node formatted with <c>gregor storage format -t ID -c FILE</c> and started in parallel
/// (a voter cannot finish starting alone). One node is a cluster of one. Dispose kills every
/// node; the data lives under the directory the caller gives and deletes.
/// </summary>
internal sealed class ClusterNodes : IAsyncDisposable
{
    private readonly List<ClusterNode> _nodes;

    private ClusterNodes(List<ClusterNode> nodes) => _nodes = nodes;

    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    /// <summary>Node of id <paramref name="nodeId"/> (1-based).</summary>
    public ClusterNode Node(int nodeId) => _nodes[nodeId - 1];

    public static async Task<ClusterNodes> StartAsync(string gregorDll, string directory, int count, IEnumerable<string> overrides)
    {
        var ports = Enumerable.Range(0, count).Select(_ => (Broker: FreePort(), Controller: FreePort())).ToList();
        var clusterId = NewClusterId();
        var voters = string.Join(',', ports.Select((p, i) => $"{i + 1}@127.0.0.1:{p.Controller}"));
        var nodes = new List<ClusterNode>();
        var cluster = new ClusterNodes(nodes);
        try
        {
            for (var id = 1; id <= count; id++)
            {
                var (broker, controller) = ports[id - 1];
                var dataDir = Path.Combine(directory, $"data-{id}");
                var configFile = Path.Combine(directory, $"server-{id}.properties");
                var lines = new List<string>
                {
                    $"node.id={id}",
                    "process.roles=broker,controller",
                    $"listeners=PLAINTEXT://127.0.0.1:{broker},CONTROLLER://127.0.0.1:{controller}",
                    "controller.listener.names=CONTROLLER",
                    $"controller.quorum.voters={voters}",
                    $"log.dirs={dataDir}",
                };
                lines.AddRange(overrides);
                await File.WriteAllLinesAsync(configFile, lines);
                var format = await Shell.RunAsync("dotnet", [gregorDll, "storage", "format", "-t", clusterId, "-c", configFile], TimeSpan.FromMinutes(2));
                if (format.ExitCode != 0)
                {
                    throw new InvalidOperationException($"gregor storage format failed ({format.ExitCode}): {format.StdOut}{format.StdErr}");
                }
                nodes.Add(new ClusterNode(gregorDll, id, broker, controller, configFile, dataDir));
            }
            await Task.WhenAll(nodes.Select(n => n.StartAsync()));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static string NewClusterId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        bytes[0] &= 0x7F; // never starts with '-' once encoded (Kafka refuses such ids as flags)
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
