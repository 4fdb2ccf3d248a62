using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;

namespace Gregor.Testing;

/// <summary>
/// A private network of Linux network namespaces for real-process cluster tests (root only): one
/// namespace per node, each with its own address 10.A.B.N/24 on an <c>eth0</c> that is a veth to a
/// bridge in a separate "switch" namespace, and one more veth from the switch to this (the test's)
/// namespace, 10.A.B.254, so the test reaches every node. The bridge lives in its own namespace so
/// the host's firewall (e.g. Docker's FORWARD DROP with br_netfilter) never sees the traffic.
/// <see cref="DisconnectAsync"/> sets a node's switch port down: every packet to or from it is
/// lost silently, as a pulled cable; <see cref="ReconnectAsync"/> heals it. Names carry a random
/// tag so parallel or leftover runs never clash. Dispose deletes the namespaces (and so every veth
/// and the bridge); stop the processes inside first. Not thread-safe: one test drives it.
/// </summary>
public sealed class NamespaceNetwork : IAsyncDisposable
{
    private readonly string _tag;
    private readonly string _subnet;
    private readonly List<string> _namespaces = [];

    private NamespaceNetwork(string tag, string subnet, int nodes)
    {
        _tag = tag;
        _subnet = subnet;
        Nodes = nodes;
    }

    public int Nodes { get; }

    /// <summary>Why these tests cannot run here (not root, no <c>ip</c>), or null when they can.</summary>
    public static string? UnavailableReason =>
        !OperatingSystem.IsLinux() ? "network namespaces need Linux"
        : !Environment.IsPrivilegedProcess ? "network namespaces need root (CI runs as root)"
        : !File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip") ? "the ip command (iproute2) is not installed"
        : null;

    public string Namespace(int nodeId) => $"gregor-{_tag}-{nodeId}";

    private string SwitchNamespace => $"gregor-{_tag}-sw";

    /// <summary>Node <paramref name="nodeId"/>'s address (1-based).</summary>
    public string Address(int nodeId) => $"{_subnet}.{nodeId}";

    /// <summary>Runs a command inside node <paramref name="nodeId"/>'s namespace: prefix it with this.</summary>
    public IReadOnlyList<string> CommandPrefix(int nodeId) => ["ip", "netns", "exec", Namespace(nodeId)];

    public static async Task<NamespaceNetwork> CreateAsync(int nodes)
    {
        var tag = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));
        var subnet = await FreeSubnetAsync().ConfigureAwait(false);
        var network = new NamespaceNetwork(tag, subnet, nodes);
        try
        {
            await network.BuildAsync().ConfigureAwait(false);
        }
        catch
        {
            await network.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return network;
    }

    /// <summary>Cuts node <paramref name="nodeId"/> off: its switch port goes down, so nothing reaches it or leaves it (the test's own connections included).</summary>
    public Task DisconnectAsync(int nodeId) => IpAsync("-n", SwitchNamespace, "link", "set", $"p{nodeId}", "down");

    public Task ReconnectAsync(int nodeId) => IpAsync("-n", SwitchNamespace, "link", "set", $"p{nodeId}", "up");

    /// <summary>Runs <paramref name="file"/> inside node <paramref name="nodeId"/>'s namespace and returns its exit code and output.</summary>
    public Task<(int ExitCode, string Output)> RunInAsync(int nodeId, string file, params string[] arguments) =>
        RunAsync("ip", ["netns", "exec", Namespace(nodeId), file, .. arguments]);

    private async Task BuildAsync()
    {
        await AddNamespaceAsync(SwitchNamespace).ConfigureAwait(false);
        await IpAsync("-n", SwitchNamespace, "link", "add", "br0", "type", "bridge").ConfigureAwait(false);
        await IpAsync("-n", SwitchNamespace, "link", "set", "br0", "up").ConfigureAwait(false);
        for (var id = 1; id <= Nodes; id++)
        {
            var ns = Namespace(id);
            await AddNamespaceAsync(ns).ConfigureAwait(false);
            await IpAsync("-n", ns, "link", "set", "lo", "up").ConfigureAwait(false);
            await IpAsync("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", $"p{id}", "netns", SwitchNamespace).ConfigureAwait(false);
            await IpAsync("-n", ns, "addr", "add", $"{Address(id)}/24", "dev", "eth0").ConfigureAwait(false);
            await IpAsync("-n", ns, "link", "set", "eth0", "up").ConfigureAwait(false);
            await IpAsync("-n", SwitchNamespace, "link", "set", $"p{id}", "master", "br0", "up").ConfigureAwait(false);
        }
        // The test's own port on the switch (interface names are at most 15 characters).
        var hostSide = $"gregor{_tag}";
        await IpAsync("link", "add", hostSide, "type", "veth", "peer", "name", "test", "netns", SwitchNamespace).ConfigureAwait(false);
        await IpAsync("addr", "add", $"{_subnet}.254/24", "dev", hostSide).ConfigureAwait(false);
        await IpAsync("link", "set", hostSide, "up").ConfigureAwait(false);
        await IpAsync("-n", SwitchNamespace, "link", "set", "test", "master", "br0", "up").ConfigureAwait(false);
    }

    private async Task AddNamespaceAsync(string name)
    {
        await IpAsync("netns", "add", name).ConfigureAwait(false);
        _namespaces.Add(name);
    }

    public async ValueTask DisposeAsync()
    {
        // Deleting a namespace destroys its veths, and with them their peers (the test's port too).
        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            _ = await RunAsync("ip", ["netns", "del", ns]).ConfigureAwait(false);
        }
        _namespaces.Clear();
    }

    /// <summary>A 10.A.B.0/24 no interface of this namespace uses yet.</summary>
    private static async Task<string> FreeSubnetAsync()
    {
        var (_, addresses) = await RunAsync("ip", ["-o", "-4", "addr", "show"]).ConfigureAwait(false);
        for (var attempt = 0; ; attempt++)
        {
            var subnet = string.Create(CultureInfo.InvariantCulture, $"10.{200 + RandomNumberGenerator.GetInt32(50)}.{RandomNumberGenerator.GetInt32(250)}");
            if (!addresses.Contains($" {subnet}.", StringComparison.Ordinal) || attempt > 20)
            {
                return subnet;
            }
        }
    }

    private static async Task IpAsync(params string[] arguments)
    {
        var (code, output) = await RunAsync("ip", arguments).ConfigureAwait(false);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)} failed ({code}): {output}");
        }
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not exit within 60 s");
        }
        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }
}
