using System.Text.Json;

namespace Gregor.Tests.Observability;

/// <summary>
/// <c>gregor topics|groups|produce|consume</c> as processes against a real broker: what they
/// print (tables and JSON), what they change (checked with kcat and the Kafka protocol), and
/// clear messages with reliable exit codes for wrong addresses, unknown topics and bad flags.
/// </summary>
public sealed class CliTests
{
    [Fact]
    public async Task TopicsCreateListDescribeAlterDelete_RoundTrip()
    {
        await using var broker = await GregorProcess.StartAsync();
        var b = broker.BootstrapServers;

        var created = await GregorAsync(["topics", "create", "cli-orders", "--partitions", "3", "--bootstrap-server", b]);
        Assert.Equal((0, "created topic cli-orders (3 partitions, replication factor 1)\n"), (created.ExitCode, created.Stdout));

        var listed = await GregorAsync(["topics", "list", "--output", "json", "--bootstrap-server", b]);
        var topic = Assert.Single(JsonDocument.Parse(listed.Stdout).RootElement.EnumerateArray());
        Assert.Equal(("cli-orders", 3, 1), (topic.GetProperty("name").GetString(), topic.GetProperty("partitions").GetInt32(), topic.GetProperty("replicationFactor").GetInt32()));
        var table = await GregorAsync(["topics", "list", "--bootstrap-server", b]);
        Assert.Equal(["TOPIC", "PARTITIONS", "REPLICATION-FACTOR", "INTERNAL"], table.Stdout.Split('\n')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["cli-orders", "3", "1", "no"], table.Stdout.Split('\n')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));

        var altered = await GregorAsync(["topics", "alter", "cli-orders", "--config", "retention.ms=60000", "--partitions", "4", "--bootstrap-server", b]);
        Assert.True(altered.ExitCode == 0, altered.Stderr);
        var described = JsonDocument.Parse((await GregorAsync(["topics", "describe", "cli-orders", "--output", "json", "--bootstrap-server", b])).Stdout).RootElement;
        Assert.Equal(4, described.GetProperty("partitions").GetArrayLength());
        Assert.Equal("60000", described.GetProperty("configs").GetProperty("retention.ms").GetString());
        Assert.Equal(["retention.ms"], described.GetProperty("overrides").EnumerateArray().Select(o => o.GetString()));

        var deleted = await GregorAsync(["topics", "delete", "cli-orders", "--bootstrap-server", b]);
        Assert.Equal((0, "deleted topic cli-orders\n"), (deleted.ExitCode, deleted.Stdout));
        Assert.Equal("[]\n", (await GregorAsync(["topics", "list", "--output", "json", "--bootstrap-server", b])).Stdout);
        Assert.Equal(7, (await GregorAsync(["topics", "describe", "cli-orders", "--bootstrap-server", b])).ExitCode);
    }

    [Fact]
    public async Task ProduceThenConsume_KeepsKeysValuesAndHeaders_AndKcatReadsThem()
    {
        await using var broker = await GregorProcess.StartAsync();
        var b = broker.BootstrapServers;
        Assert.Equal(0, (await GregorAsync(["topics", "create", "cli-kv", "--partitions", "1", "--bootstrap-server", b])).ExitCode);

        var produced = await GregorAsync(["produce", "--topic", "cli-kv", "--key-separator", ":", "--header", "trace=abc", "--bootstrap-server", b], stdin: "k1:hello\nk2:world\n");
        Assert.Equal((0, "produced 2 records to cli-kv: partition 0 offsets 0-1\n"), (produced.ExitCode, produced.Stdout));

        var formatted = await GregorAsync(["consume", "--topic", "cli-kv", "--format", "%o %k=%v %h\\n", "--bootstrap-server", b]);
        Assert.Equal((0, "0 k1=hello trace=abc\n1 k2=world trace=abc\n"), (formatted.ExitCode, formatted.Stdout));
        var json = await GregorAsync(["consume", "--topic", "cli-kv", "--offset", "1", "--output", "json", "--encoding", "hex", "--bootstrap-server", b]);
        var record = JsonDocument.Parse(json.Stdout.Trim()).RootElement;
        Assert.Equal((1L, "6b32", "776f726c64", "616263"), (record.GetProperty("offset").GetInt64(), record.GetProperty("key").GetString(), record.GetProperty("value").GetString(), record.GetProperty("headers").GetProperty("trace").GetString()));

        var (exit, kcat) = await Tool.RunAsync("kcat", ["-C", "-b", b, "-t", "cli-kv", "-e", "-q", "-f", "%k:%s|%h\\n"]);
        Assert.Equal((0, "k1:hello|trace=abc\nk2:world|trace=abc\n"), (exit, kcat));
    }

    [Fact]
    public async Task GroupsDescribe_ShowsLag_AndResetOffsetsMovesIt()
    {
        await using var broker = await GregorProcess.StartAsync();
        var b = broker.BootstrapServers;
        Assert.Equal(0, (await GregorAsync(["topics", "create", "cli-lag", "--partitions", "1", "--bootstrap-server", b])).ExitCode);
        Assert.Equal(0, (await GregorAsync(["produce", "--topic", "cli-lag", "--bootstrap-server", b], stdin: "1\n2\n3\n4\n5\n")).ExitCode);
        // kcat as a group member reads two records and commits (then leaves the group).
        var (kcatExit, kcatOutput) = await Tool.RunAsync("kcat", ["-b", b, "-G", "cli-group", "-o", "beginning", "-c", "2", "-e", "-q", "-X", "enable.auto.commit=true", "-X", "auto.commit.interval.ms=100", "cli-lag"]);
        Assert.True(kcatExit == 0, kcatOutput);

        var described = JsonDocument.Parse((await GregorAsync(["groups", "describe", "cli-group", "--output", "json", "--bootstrap-server", b])).Stdout).RootElement;
        var offset = Assert.Single(described.GetProperty("offsets").EnumerateArray());
        var current = offset.GetProperty("currentOffset").GetInt64();
        Assert.Equal(5, offset.GetProperty("logEndOffset").GetInt64());
        Assert.Equal(5 - current, offset.GetProperty("lag").GetInt64());
        Assert.Equal(5 - current, described.GetProperty("totalLag").GetInt64());
        var listed = await GregorAsync(["groups", "list", "--bootstrap-server", b]);
        Assert.Contains("cli-group", listed.Stdout, StringComparison.Ordinal);

        var dryRun = await GregorAsync(["groups", "reset-offsets", "cli-group", "--topic", "cli-lag", "--to-offset", "1", "--bootstrap-server", b]);
        Assert.Contains("dry run", dryRun.Stdout, StringComparison.Ordinal);
        Assert.Equal(current, JsonDocument.Parse((await GregorAsync(["groups", "describe", "cli-group", "--output", "json", "--bootstrap-server", b])).Stdout).RootElement.GetProperty("offsets")[0].GetProperty("currentOffset").GetInt64());
        var reset = await GregorAsync(["groups", "reset-offsets", "cli-group", "--topic", "cli-lag", "--to-offset", "1", "--execute", "--bootstrap-server", b]);
        Assert.True(reset.ExitCode == 0, reset.Stderr);
        var after = await GregorAsync(["groups", "describe", "cli-group", "--bootstrap-server", b]);
        Assert.StartsWith("Group: cli-group  State: Empty  Members: 0  Total lag: 4", after.Stdout, StringComparison.Ordinal);

        Assert.Equal((0, "deleted group cli-group\n"), ((await GregorAsync(["groups", "delete", "cli-group", "--bootstrap-server", b])) is var d ? (d.ExitCode, d.Stdout) : default));
        Assert.Equal(7, (await GregorAsync(["groups", "describe", "cli-group", "--bootstrap-server", b])).ExitCode);
    }

    [Fact]
    public async Task WrongAddress_UnknownTopic_BadFlags_GiveAClearMessageAndAnExitCode()
    {
        await using var broker = await GregorProcess.StartAsync();
        var b = broker.BootstrapServers;
        // A port nobody listens on: bind one, note it, close it.
        int closedPort;
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0))
        {
            probe.Start();
            closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        }

        var cases = new (string[] Args, int Exit, string Message)[]
        {
            (["topics", "list", "--bootstrap-server", $"127.0.0.1:{closedPort}"], 5, $"gregor topics: cannot connect to 127.0.0.1:{closedPort}: connection refused"),
            (["topics", "list", "--bootstrap-server", "not-an-address"], 1, "--bootstrap-server expects HOST:PORT"),
            (["topics", "describe", "no-such-topic", "--bootstrap-server", b], 7, "gregor topics: topic \"no-such-topic\" does not exist"),
            (["consume", "--topic", "no-such-topic", "--bootstrap-server", b], 7, "gregor consume: topic \"no-such-topic\" does not exist"),
            (["produce", "--topic", "no-such-topic", "--value", "x", "--bootstrap-server", b], 7, "gregor produce: topic \"no-such-topic\" does not exist"),
            (["topics", "delete", "no-such-topic", "--bootstrap-server", b], 7, "topic \"no-such-topic\" does not exist"),
            (["groups", "describe", "no-such-group", "--bootstrap-server", b], 7, "gregor groups: group \"no-such-group\" does not exist"),
            (["topics", "list", "--frobnicate", "--bootstrap-server", b], 1, "gregor topics: unknown option --frobnicate"),
            (["topics", "create", "--bootstrap-server", b], 1, "gregor topics: missing topic name"),
            (["topics", "create", "x", "--partitions", "many", "--bootstrap-server", b], 1, "--partitions must be an integer of at least 1, got \"many\""),
            (["topics", "create", "bad/name", "--bootstrap-server", b], 6, "InvalidTopicException"),
            (["consume", "--topic", "t", "--offset", "middle", "--bootstrap-server", b], 1, "--offset must be beginning, end or an offset"),
            (["topics", "list", "--output", "xml", "--bootstrap-server", b], 1, "--output must be table or json"),
            (["groups", "reset-offsets", "g", "--topic", "t", "--bootstrap-server", b], 1, "exactly one of --to-earliest, --to-latest, --to-offset N"),
            (["topics", "frob", "--bootstrap-server", b], 1, "unknown topics command \"frob\""),
        };
        foreach (var (args, exit, message) in cases)
        {
            var result = await GregorAsync(args);
            Assert.True(result.ExitCode == exit, $"gregor {string.Join(' ', args)} exited {result.ExitCode}, expected {exit}: {result.Stderr}");
            Assert.Contains(message, result.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal); // no stack trace
            Assert.Equal("", result.Stdout);
        }
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> GregorAsync(string[] args, string? stdin = null) =>
        Tool.RunSeparatelyAsync("dotnet", [GregorProcess.GregorDll, .. args], stdin ?? "");
}
