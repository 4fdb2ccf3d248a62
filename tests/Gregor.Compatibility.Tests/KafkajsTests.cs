using Gregor.Compatibility.Tests.Support;

namespace Gregor.Compatibility.Tests;

/// <summary>kafkajs 2.2.4 (npm, js/package-lock.json) against the real broker process.</summary>
[Collection(BrokerCollection.Name)]
public sealed class KafkajsTests
{
    private static readonly string JsDirectory = Path.Combine(RepoPaths.TestProject, "js");
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    private static async Task EnsureInstalledAsync()
    {
        if (!ExternalTool.Exists("node") || !ExternalTool.Exists("npm"))
        {
            Assert.Skip("node/npm are not installed (apt-get install nodejs npm)");
        }
        await InstallLock.WaitAsync(TestContext.Current.CancellationToken);
        try
        {
            if (!Directory.Exists(Path.Combine(JsDirectory, "node_modules", "kafkajs")))
            {
                var install = await ExternalTool.RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], TimeSpan.FromMinutes(3), workingDirectory: JsDirectory);
                Assert.True(install.ExitCode == 0, "npm ci failed\n" + install);
            }
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static async Task<ScriptResult> RunAsync(GregorProcess broker, string topic, string group, int produce, int expect, string prefix, string codec)
    {
        var run = await ExternalTool.RunAsync("node", ["produce-consume.js", broker.BootstrapServers, topic, group, $"{produce}", $"{expect}", prefix, codec],
            TimeSpan.FromSeconds(90), workingDirectory: JsDirectory);
        return ScriptResult.Parse(run);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task ProduceAndGroupConsumeWithCommit_ASecondRunResumesAfterTheCommittedOffsets(string codec)
    {
        await EnsureInstalledAsync();
        await using var broker = await GregorProcess.StartAsync();
        var topic = $"kafkajs-{codec}";

        var first = await RunAsync(broker, topic, "kafkajs-group", 5, 5, "first", codec);
        Assert.Equal(first.Produced, first.Consumed);

        var second = await RunAsync(broker, topic, "kafkajs-group", 3, 3, "second", codec);
        Assert.Equal(["second-0", "second-1", "second-2"], second.Consumed);
    }

    // Issue 10: a compacted topic accepted keyless records (they landed at offset 0).
    [Fact]
    public async Task CompactedTopic_RefusesARecordWithoutAKey_WithInvalidRecord_AndKeepsOnlyTheKeyedOne()
    {
        await EnsureInstalledAsync();
        await using var broker = await GregorProcess.StartAsync();

        var run = await ExternalTool.RunAsync("node", ["compacted-keyless.js", broker.BootstrapServers, "kafkajs-compacted"],
            TimeSpan.FromSeconds(90), workingDirectory: JsDirectory);

        Assert.True(run.ExitCode == 0, run.ToString());
        var line = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'));
        using var json = System.Text.Json.JsonDocument.Parse(line);
        var keyless = json.RootElement.GetProperty("keyless");
        Assert.True(keyless.ValueKind == System.Text.Json.JsonValueKind.Object, "the keyless send must fail\n" + run);
        Assert.Equal("INVALID_RECORD", keyless.GetProperty("type").GetString());
        Assert.Equal(87, keyless.GetProperty("code").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("keyed").GetInt64());
        Assert.Equal(1, json.RootElement.GetProperty("end").GetInt64());
    }
}
