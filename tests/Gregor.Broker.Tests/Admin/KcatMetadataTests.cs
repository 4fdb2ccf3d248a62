using System.Diagnostics;
using System.Text.Json;
using Gregor.Broker.Tests.Support;

namespace Gregor.Broker.Tests.Admin;

/// <summary>librdkafka's metadata path (kcat -L) against the in-process broker.</summary>
public sealed class KcatMetadataTests
{
    [Fact]
    public async Task KcatList_ShowsCreatedTopicsAndTheBroker()
    {
        if (!File.Exists("/usr/bin/kcat"))
        {
            Assert.Skip("kcat is not installed");
        }
        await using var broker = await TestBroker.StartAsync();
        using (var client = new AdminClient(await broker.ConnectAsync()))
        {
            await client.CreateTopicAsync("kcat-a", partitions: 3);
            await client.CreateTopicAsync("kcat-b", partitions: 1);
        }

        var json = await RunKcatAsync("-L", "-J", "-b", broker.BootstrapServers);

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var brokerEntry = Assert.Single(root.GetProperty("brokers").EnumerateArray());
        Assert.Equal(1, brokerEntry.GetProperty("id").GetInt32());
        Assert.Equal(broker.BootstrapServers, brokerEntry.GetProperty("name").GetString());
        var topics = root.GetProperty("topics").EnumerateArray().ToDictionary(t => t.GetProperty("topic").GetString()!);
        Assert.Equal(3, topics["kcat-a"].GetProperty("partitions").GetArrayLength());
        Assert.Equal(1, topics["kcat-b"].GetProperty("partitions").GetArrayLength());
        Assert.All(topics["kcat-a"].GetProperty("partitions").EnumerateArray(), p => Assert.Equal(1, p.GetProperty("leader").GetInt32()));
    }

    private static async Task<string> RunKcatAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("/usr/bin/kcat") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        Assert.True(process.ExitCode == 0, $"kcat exited with {process.ExitCode}: {await error}");
        return await output;
    }
}
