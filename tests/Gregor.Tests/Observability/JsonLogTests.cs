using System.Text.Json;

namespace Gregor.Tests.Observability;

/// <summary><c>gregor.log.format=json</c>: one JSON object per log line, for log shippers; a bad value is refused.</summary>
public sealed class JsonLogTests
{
    [Fact]
    public async Task JsonFormat_WritesOneJsonObjectPerLogLine()
    {
        await using var broker = await GregorProcess.StartAsync(["gregor.log.format=json"]);
        string[] logLines = [];
        await Eventually.TrueAsync(
            () => (logLines = [.. broker.Output.Split('\n').Where(l => l.StartsWith('{'))]).Any(l => l.Contains("http listening on", StringComparison.Ordinal)),
            "the http listening line as JSON");

        Assert.NotEmpty(logLines);
        foreach (var line in logLines)
        {
            var entry = JsonDocument.Parse(line).RootElement;
            Assert.True(entry.TryGetProperty("Timestamp", out _), line);
            Assert.True(entry.TryGetProperty("LogLevel", out _), line);
            Assert.True(entry.TryGetProperty("Category", out _), line);
            Assert.True(entry.TryGetProperty("Message", out _), line);
        }
        var http = JsonDocument.Parse(logLines.First(l => l.Contains("http listening on", StringComparison.Ordinal))).RootElement;
        Assert.Equal("Gregor.Http", http.GetProperty("Category").GetString());
        Assert.Equal(100, http.GetProperty("EventId").GetInt32());
        Assert.StartsWith("127.0.0.1:", http.GetProperty("State").GetProperty("EndPoint").GetString(), StringComparison.Ordinal);
        // The ready line stays plain text: tools wait for it.
        Assert.Contains(broker.Output.Split('\n'), l => l.StartsWith(GregorProcess.ReadyPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownFormat_IsRefusedWithTheKeyAndTheValue()
    {
        var (exitCode, output) = await GregorProcess.RunToExitAsync(["serve", "--listen", "127.0.0.1:0", "--override", "gregor.log.format=xml"]);

        Assert.Equal(1, exitCode);
        Assert.Contains("gregor.log.format", output, StringComparison.Ordinal);
        Assert.Contains("xml", output, StringComparison.Ordinal);
    }
}
