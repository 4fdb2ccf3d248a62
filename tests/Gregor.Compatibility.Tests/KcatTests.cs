using Gregor.Compatibility.Tests.Support;

namespace Gregor.Compatibility.Tests;

/// <summary>kcat 1.7 (Debian, librdkafka 2.0.2) against the real broker process.</summary>
[Collection(BrokerCollection.Name)]
public sealed class KcatTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromSeconds(30);

    private static Task<ExternalTool.Result> Kcat(GregorProcess broker, params string[] arguments) =>
        ExternalTool.RunAsync("kcat", ["-b", broker.BootstrapServers, "-X", "client.id=compat-kcat", .. arguments], ToolTimeout);

    private static Task<ExternalTool.Result> KcatWithInput(GregorProcess broker, string input, params string[] arguments) =>
        ExternalTool.RunAsync("kcat", ["-b", broker.BootstrapServers, "-X", "client.id=compat-kcat", .. arguments], ToolTimeout, stdin: input);

    [Fact]
    public async Task Metadata_ListsTheBrokerAndAnAutoCreatedTopic()
    {
        await using var broker = await GregorProcess.StartAsync();

        var result = await Kcat(broker, "-L", "-t", "kcat-metadata");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"broker 1 at {broker.BootstrapServers}", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("topic \"kcat-metadata\" with 1 partitions", result.StdOut, StringComparison.Ordinal);
        Assert.Contains("partition 0, leader 1", result.StdOut, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("gzip")]
    [InlineData("snappy")]
    [InlineData("lz4")]
    [InlineData("zstd")]
    public async Task Produce_WithKeysHeadersAndCodec_ThenConsumeFromBeginning_ReturnsEveryRecord(string codec)
    {
        await using var broker = await GregorProcess.StartAsync();
        var topic = $"kcat-{codec}";
        var lines = Enumerable.Range(0, 20).Select(i => $"key-{i}:value {i} {codec}").ToList();

        var produce = await KcatWithInput(broker, string.Join('\n', lines) + "\n",
            "-P", "-t", topic, "-z", codec, "-K:", "-H", "trace=abc", "-H", $"codec={codec}");
        Assert.True(produce.ExitCode == 0, produce.ToString());

        var consume = await Kcat(broker, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%k|%s|%h|%o\\n");
        Assert.True(consume.ExitCode == 0, consume.ToString());
        var expected = Enumerable.Range(0, 20).Select(i => $"key-{i}|value {i} {codec}|trace=abc,codec={codec}|{i}").ToList();
        Assert.Equal(expected, consume.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task GroupConsume_CommitsOffsets_AndASecondRunResumesAfterThem()
    {
        await using var broker = await GregorProcess.StartAsync();
        const string topic = "kcat-group";
        var first = await KcatWithInput(broker, string.Join('\n', Enumerable.Range(0, 5).Select(i => $"first-{i}")) + "\n", "-P", "-t", topic);
        Assert.True(first.ExitCode == 0, first.ToString());

        var run1 = await Kcat(broker, "-G", "kcat-group-1", topic, "-o", "beginning", "-e", "-q", "-f", "%s\\n");
        Assert.True(run1.ExitCode == 0, run1.ToString());
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"first-{i}"), run1.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var second = await KcatWithInput(broker, "second-0\nsecond-1\n", "-P", "-t", topic);
        Assert.True(second.ExitCode == 0, second.ToString());

        var run2 = await Kcat(broker, "-G", "kcat-group-1", topic, "-e", "-q", "-f", "%s\\n");
        Assert.True(run2.ExitCode == 0, run2.ToString());
        Assert.Equal(["second-0", "second-1"], run2.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
