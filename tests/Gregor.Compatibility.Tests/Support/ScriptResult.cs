using System.Text.Json;

namespace Gregor.Compatibility.Tests.Support;

/// <summary>
/// The JSON line the python and kafkajs scripts print: the values they produced and the values
/// their consumer group received, in order.
/// </summary>
internal sealed record ScriptResult(List<string> Produced, List<string> Consumed)
{
    public static ScriptResult Parse(ExternalTool.Result run)
    {
        Assert.True(run.ExitCode == 0, run.ToString());
        var line = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault(l => l.StartsWith('{'));
        Assert.True(line is not null, "no JSON result line\n" + run);
        using var json = JsonDocument.Parse(line);
        return new ScriptResult(
            [.. json.RootElement.GetProperty("produced").EnumerateArray().Select(e => e.GetString()!)],
            [.. json.RootElement.GetProperty("consumed").EnumerateArray().Select(e => e.GetString()!)]);
    }
}
