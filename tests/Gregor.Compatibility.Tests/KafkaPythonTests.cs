using Gregor.Compatibility.Tests.Support;

namespace Gregor.Compatibility.Tests;

/// <summary>kafka-python (Debian python3-kafka, /usr/bin/python3) against the real broker process.</summary>
[Collection(BrokerCollection.Name)]
public sealed class KafkaPythonTests
{
    private const string Python = "/usr/bin/python3";

    private static async Task<ScriptResult> RunAsync(GregorProcess broker, string topic, string group, int produce, int expect, string prefix)
    {
        var script = Path.Combine(RepoPaths.TestProject, "python", "produce_consume.py");
        var run = await ExternalTool.RunAsync(Python, [script, broker.BootstrapServers, topic, group, $"{produce}", $"{expect}", prefix], TimeSpan.FromSeconds(90));
        return ScriptResult.Parse(run);
    }

    [Fact]
    public async Task ProduceAndGroupConsumeWithCommit_ASecondRunResumesAfterTheCommittedOffsets()
    {
        var probe = await ExternalTool.RunAsync(Python, ["-c", "import kafka"], TimeSpan.FromSeconds(30));
        if (probe.ExitCode != 0)
        {
            Assert.Skip("python3-kafka is not installed (apt-get install python3-kafka)");
        }
        await using var broker = await GregorProcess.StartAsync();

        var first = await RunAsync(broker, "python-topic", "python-group", 5, 5, "first");
        Assert.Equal(first.Produced, first.Consumed);

        var second = await RunAsync(broker, "python-topic", "python-group", 3, 3, "second");
        Assert.Equal(["second-0", "second-1", "second-2"], second.Consumed);
    }

    // Stop 6 saw kafka-python's first produce to a just-created topic fail once (its flow test
    // retries, which could hide a race): here, with no client retries, every first send must
    // succeed, whether the topic came from CreateTopics a moment before or from auto-creation.
    [Fact]
    public async Task FirstProduceToAFreshTopic_SucceedsWithoutClientRetries()
    {
        var probe = await ExternalTool.RunAsync(Python, ["-c", "import kafka"], TimeSpan.FromSeconds(30));
        if (probe.ExitCode != 0)
        {
            Assert.Skip("python3-kafka is not installed (apt-get install python3-kafka)");
        }
        await using var broker = await GregorProcess.StartAsync();
        var script = Path.Combine(RepoPaths.TestProject, "python", "create_then_produce.py");

        var run = await ExternalTool.RunAsync(Python, [script, broker.BootstrapServers, "12"], TimeSpan.FromSeconds(150));

        Assert.True(run.ExitCode == 0, run.ToString());
        var line = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'));
        using var json = System.Text.Json.JsonDocument.Parse(line);
        Assert.Equal(12, json.RootElement.GetProperty("rounds").GetInt32());
        Assert.Empty(json.RootElement.GetProperty("failures").EnumerateArray().Select(f => f.GetString()));
    }
}
