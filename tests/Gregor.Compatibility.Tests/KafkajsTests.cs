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
}
