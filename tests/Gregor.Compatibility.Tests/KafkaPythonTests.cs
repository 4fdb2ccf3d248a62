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
}
