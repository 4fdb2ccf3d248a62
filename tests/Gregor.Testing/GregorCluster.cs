using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Gregor.Testing;

/// <summary>
/// Several <c>gregor serve</c> processes forming one cluster, by default on 127.0.0.1: each a
/// combined broker + controller with a PLAINTEXT listener and a CONTROLLER listener, static voters
/// (<c>controller.quorum.voters</c>), formatted with <c>gregor storage format</c> and started in
/// parallel (a voter cannot finish starting alone). A <see cref="GregorClusterLayout"/> gives
/// nodes other roles (a controller-only node has just the CONTROLLER listener, a broker-only one
/// just PLAINTEXT), other addresses and a command prefix (network namespaces). Ports are fixed per
/// cluster so a restarted node keeps its address (the voters' list names them): free ports are
/// found by binding port 0. Dispose kills every node and deletes the data.
/// </summary>
public sealed class GregorCluster : IAsyncDisposable
{
    private readonly TempDirectory _root = new("cluster");
    private readonly List<GregorProcess?> _nodes = [];

    private GregorCluster(string clusterId, IReadOnlyList<(int Broker, int Controller)> ports, GregorClusterLayout layout)
    {
        ClusterId = clusterId;
        Ports = ports;
        Layout = layout;
    }

    public GregorClusterLayout Layout { get; }

    /// <summary>The address node <paramref name="nodeId"/> listens on.</summary>
    public string Host(int nodeId) => Layout.Host(nodeId);

    public string ClusterId { get; }

    /// <summary>Node i (id i + 1): its broker and controller listener ports.</summary>
    public IReadOnlyList<(int Broker, int Controller)> Ports { get; }

    public int Count => Ports.Count;

    /// <summary>Node of id <paramref name="nodeId"/> (1-based).</summary>
    public GregorProcess Node(int nodeId) => _nodes[nodeId - 1] ?? throw new InvalidOperationException($"node {nodeId} is not running");

    public string BootstrapServers(int nodeId) => $"{Host(nodeId)}:{Ports[nodeId - 1].Broker}";

    /// <summary>Node <paramref name="nodeId"/>'s controller listener as HOST:PORT.</summary>
    public string ControllerAddress(int nodeId) => $"{Host(nodeId)}:{Ports[nodeId - 1].Controller}";

    public EndPoint BrokerEndPoint(int nodeId) => new IPEndPoint(IPAddress.Parse(Host(nodeId)), Ports[nodeId - 1].Broker);

    public EndPoint ControllerEndPoint(int nodeId) => new IPEndPoint(IPAddress.Parse(Host(nodeId)), Ports[nodeId - 1].Controller);

    public string ConfigFile(int nodeId) => _root.Sub($"server-{nodeId}.properties");

    public string DataDir(int nodeId) => _root.Sub($"data-{nodeId}");

    public static Task<GregorCluster> StartAsync(int nodes = 3, IEnumerable<string>? overrides = null) =>
        StartAsync(new GregorClusterLayout { Nodes = nodes, Overrides = [.. overrides ?? []] });

    public static async Task<GregorCluster> StartAsync(GregorClusterLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var nodes = layout.Nodes;
        var ports = Enumerable.Range(0, nodes).Select(_ => (FreePort(), FreePort())).ToList();
        var cluster = new GregorCluster(NewClusterId(), ports, layout);
        try
        {
            var voters = string.Join(',', Enumerable.Range(1, nodes).Where(layout.IsController).Select(id => $"{id}@{cluster.ControllerAddress(id)}"));
            for (var id = 1; id <= nodes; id++)
            {
                var lines = new List<string>
                {
                    $"node.id={id}",
                    $"process.roles={layout.Roles(id)}",
                    $"listeners={cluster.Listeners(id)}",
                    "controller.listener.names=CONTROLLER",
                    $"controller.quorum.voters={voters}",
                    $"log.dirs={cluster.DataDir(id)}",
                };
                lines.AddRange(layout.Overrides);
                await File.WriteAllLinesAsync(cluster.ConfigFile(id), lines).ConfigureAwait(false);
                var (code, output) = await GregorProcess.RunToExitAsync(["storage", "format", "-t", cluster.ClusterId, "-c", cluster.ConfigFile(id)]).ConfigureAwait(false);
                if (code != 0)
                {
                    throw new InvalidOperationException($"gregor storage format failed ({code}): {output}");
                }
                cluster._nodes.Add(null);
            }
            var started = await Task.WhenAll(Enumerable.Range(1, nodes).Select(cluster.LaunchAsync)).ConfigureAwait(false);
            for (var i = 0; i < nodes; i++)
            {
                cluster._nodes[i] = started[i];
            }
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return cluster;
    }

    /// <summary>The listeners of node <paramref name="nodeId"/>: PLAINTEXT if it is a broker, CONTROLLER if it is a controller.</summary>
    private string Listeners(int nodeId)
    {
        var listeners = new List<string>(2);
        if (Layout.IsBroker(nodeId))
        {
            listeners.Add($"PLAINTEXT://{BootstrapServers(nodeId)}");
        }
        if (Layout.IsController(nodeId))
        {
            listeners.Add($"CONTROLLER://{ControllerAddress(nodeId)}");
        }
        return string.Join(',', listeners);
    }

    private Task<GregorProcess> LaunchAsync(int nodeId) => GregorProcess.StartAsync(
        dataDir: DataDir(nodeId),
        extraArguments: ["--config", ConfigFile(nodeId), "--listen", Listeners(nodeId)],
        commandPrefix: Layout.CommandPrefix(nodeId));

    /// <summary>SIGKILL node <paramref name="nodeId"/>.</summary>
    public async Task KillAsync(int nodeId)
    {
        await Node(nodeId).KillAsync().ConfigureAwait(false);
    }

    /// <summary>Starts node <paramref name="nodeId"/> again (after a kill or stop) on its ports and data dir.</summary>
    public async Task RestartAsync(int nodeId, bool kill = true) => await Node(nodeId).RestartAsync(kill).ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            if (node is not null)
            {
                node.Pause(false);
                await node.DisposeAsync().ConfigureAwait(false);
            }
        }
        _root.Dispose();
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
