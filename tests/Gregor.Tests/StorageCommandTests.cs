using Gregor.Broker.Quorum;
using Gregor.Cli;
using Gregor.Cluster.Controller;

namespace Gregor.Tests;

/// <summary><c>gregor storage</c> with kafka-storage.sh's flags, and how <c>gregor serve</c> treats formatted and unformatted storage.</summary>
public sealed class StorageCommandTests
{
    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await GregorCli.RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    private static string WriteConfig(TempDirectory dir, int nodeId, string extra)
    {
        var file = dir.Sub($"server-{nodeId}.properties");
        File.WriteAllText(file, $"""
            process.roles=broker,controller
            node.id={nodeId}
            listeners=PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0
            controller.listener.names=CONTROLLER
            log.dirs={dir.Sub($"data-{nodeId}")}
            {extra}
            """);
        return file;
    }

    [Fact]
    public async Task RandomUuid_PrintsAKafkaClusterId()
    {
        var (code, output, _) = await RunAsync("storage", "random-uuid");

        Assert.Equal(0, code);
        Assert.True(KafkaUuid.TryParse(output.Trim(), out _), output);
    }

    [Fact]
    public async Task Format_WithShortFlags_WritesMetaProperties()
    {
        using var dir = new TempDirectory("storage");
        var config = WriteConfig(dir, 2, "controller.quorum.voters=1@localhost:9093,2@localhost:9193,3@localhost:9293");
        var clusterId = KafkaUuid.NewRandom();

        var (code, output, error) = await RunAsync("storage", "format", "-t", clusterId, "-c", config);

        Assert.True(code == 0, error);
        Assert.Contains($"Formatting metadata directory {dir.Sub("data-2")}", output, StringComparison.Ordinal);
        var meta = MetaProperties.TryRead(dir.Sub("data-2"))!;
        Assert.Equal((clusterId, 2), (meta.ClusterId, meta.NodeId));
    }

    [Fact]
    public async Task Format_Twice_FailsWithoutIgnoreFormattedAndSucceedsWithIt()
    {
        using var dir = new TempDirectory("storage");
        var config = WriteConfig(dir, 1, "controller.quorum.voters=1@localhost:9093,2@localhost:9193");
        var clusterId = KafkaUuid.NewRandom();
        Assert.Equal(0, (await RunAsync("storage", "format", "--cluster-id", clusterId, "--config", config)).ExitCode);

        var again = await RunAsync("storage", "format", "--cluster-id", clusterId, "--config", config);
        var ignored = await RunAsync("storage", "format", "--cluster-id", clusterId, "--config", config, "--ignore-formatted");

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already formatted", again.Error, StringComparison.Ordinal);
        Assert.Equal(0, ignored.ExitCode);
    }

    [Fact]
    public async Task Format_Standalone_WritesTheVoterSet()
    {
        using var dir = new TempDirectory("storage");
        var config = WriteConfig(dir, 1, "controller.quorum.bootstrap.servers=localhost:9093\nadvertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093");

        var (code, output, error) = await RunAsync("storage", "format", "--standalone", "-t", KafkaUuid.NewRandom(), "-c", config);

        Assert.True(code == 0, error);
        Assert.Contains("Initial voters: 1@localhost:9093", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("format", "-c", "x.properties", "--cluster-id (-t) is required")]
    [InlineData("format", "-t", "AAAAAAAAAAAAAAAAAAAAAQ", "--config (-c) is required")]
    [InlineData("format", "--bogus", "", "unknown option --bogus")]
    [InlineData("frobnicate", "", "", "unknown command frobnicate")]
    public async Task BadArguments_ExitOne(string command, string a, string b, string message)
    {
        var (code, _, error) = await RunAsync(["storage", command, .. new[] { a, b }.Where(s => s.Length > 0)]);

        Assert.Equal(1, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_OneOfSeveralVotersUnformatted_RefusesToStartAndSaysHowToFormat()
    {
        using var dir = new TempDirectory("storage");
        var config = WriteConfig(dir, 2, "controller.quorum.voters=1@localhost:9093,2@localhost:9193,3@localhost:9293");

        var (exitCode, output) = await GregorProcess.RunToExitAsync(["serve", "--config", config, "--override", "gregor.http.listen="]);

        Assert.Equal(3, exitCode);
        Assert.Contains("is not formatted and node 2 is one of 3 voters", output, StringComparison.Ordinal);
        Assert.Contains("gregor storage format", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Sub("data-2"), "meta.properties")));
    }

    [Fact]
    public async Task Serve_KafkaQuickStartStandaloneNode_ServesAfterFormat()
    {
        using var dir = new TempDirectory("storage");
        var config = WriteConfig(dir, 1, "controller.quorum.bootstrap.servers=localhost:9093");
        var clusterId = KafkaUuid.NewRandom();
        var unformatted = await GregorProcess.RunToExitAsync(["serve", "--config", config, "--override", "gregor.http.listen="]);
        Assert.Equal(3, unformatted.ExitCode);

        Assert.Equal(0, (await RunAsync("storage", "format", "--standalone", "-t", clusterId, "-c", config)).ExitCode);
        await using var node = await GregorProcess.StartAsync(dataDir: dir.Sub("data-1"), extraArguments: ["--config", config, "--listen", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0"]);

        Assert.Contains("(node 1,", node.ReadyLine, StringComparison.Ordinal);
        Assert.Equal(clusterId, MetaProperties.TryRead(dir.Sub("data-1"))!.ClusterId);
    }
}
