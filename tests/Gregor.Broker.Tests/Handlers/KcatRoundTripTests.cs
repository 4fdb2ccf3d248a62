using System.Diagnostics;
using Gregor.Broker.Tests.Support;

namespace Gregor.Broker.Tests.Handlers;

/// <summary>kcat (librdkafka) producing and consuming against the in-process broker.</summary>
public sealed class KcatRoundTripTests
{
    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunKcatAsync(string arguments, string? stdin = null)
    {
        var start = new ProcessStartInfo("kcat", arguments)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Kcat_ProducesAndConsumesFromTheBeginning()
    {
        if (!File.Exists("/usr/bin/kcat"))
        {
            Assert.Skip("kcat is not installed (apt-get install kcat)");
        }
        await using var broker = await TestBroker.StartAsync();
        var lines = string.Join('\n', Enumerable.Range(0, 50).Select(i => $"message-{i}")) + "\n";

        var produced = await RunKcatAsync($"-b {broker.BootstrapServers} -t kcat-topic -P -X message.timeout.ms=20000", lines);
        var consumed = await RunKcatAsync($"-b {broker.BootstrapServers} -t kcat-topic -C -o beginning -e -q");

        Assert.True(produced.ExitCode == 0, produced.Stderr);
        Assert.True(consumed.ExitCode == 0, consumed.Stderr);
        Assert.Equal(lines, consumed.Stdout);
    }
}
