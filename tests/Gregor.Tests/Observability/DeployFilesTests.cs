using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gregor.Tests.Observability;

/// <summary>
/// deploy/: the Prometheus alerting rules pass <c>promtool check rules</c> and their unit tests
/// (<c>promtool test rules</c>), and every Gregor metric the rules and the Grafana dashboard
/// query is one a real broker exports.
/// </summary>
public sealed partial class DeployFilesTests
{
    private static string Deploy => Path.Combine(RepositoryRoot(), "deploy");

    [Fact]
    public async Task AlertRules_PassPromtoolCheckRules()
    {
        var (exitCode, output) = await Tool.RunAsync(Tool.Promtool, ["check", "rules", Path.Combine(Deploy, "prometheus", "gregor-alerts.yml")]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS: 7 rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertRules_FireAsTheirUnitTestsExpect()
    {
        var (exitCode, output) = await Tool.RunAsync(Tool.Promtool, ["test", "rules", Path.Combine(Deploy, "prometheus", "gregor-alerts.test.yml")]);

        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashboardAndRules_QueryOnlyMetricsABrokerExports()
    {
        var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Deploy, "grafana", "gregor-dashboard.json"), TestContext.Current.CancellationToken));
        var expressions = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .ToList();
        Assert.True(expressions.Count >= 15, $"{expressions.Count} dashboard queries");
        var rules = await File.ReadAllTextAsync(Path.Combine(Deploy, "prometheus", "gregor-alerts.yml"), TestContext.Current.CancellationToken);
        var queried = expressions.Append(rules)
            .SelectMany(e => MetricName().Matches(e).Select(m => m.Value))
            .Select(BaseName)
            .ToHashSet(StringComparer.Ordinal);

        await using var broker = await ObservedBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        await broker.CreateTopicAsync(connection, "dashboard", partitions: 1);
        await ObservedBroker.ProduceAsync(connection, "dashboard", 0, TestBatches.Build(recordCount: 2));
        await ObservedBroker.CommitAsync(connection, "dashboard-group", "dashboard", (0, 1));
        // A group member (a rebalance) and a request the broker refuses (a failed request), so
        // that the counters the rules and panels use have a series.
        var (kcatExit, kcatOutput) = await Tool.RunAsync("kcat", ["-b", broker.Process.BootstrapServers, "-G", "dashboard-member", "-o", "beginning", "-c", "1", "-e", "-q", "dashboard"]);
        Assert.True(kcatExit == 0, kcatOutput);
        using (var refused = await broker.ConnectAsync())
        {
            await refused.SendFrameAsync([0x7f, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0]); // API key 32639: unknown, the broker closes
            Assert.True(await refused.IsClosedByPeerAsync());
        }
        var (_, _, text) = await broker.GetAsync("/metrics");
        var exported = new PrometheusText(text).Text.Split('\n')
            .Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')[2])
            .ToHashSet(StringComparer.Ordinal);

        Assert.Empty(queried.Where(name => !exported.Contains(name) && !exported.Contains(name + "_total")).Order());
    }

    // A histogram's series are name_bucket/_sum/_count; # TYPE names the histogram.
    private static string BaseName(string name) =>
        name.EndsWith("_bucket", StringComparison.Ordinal) ? name[..^"_bucket".Length] : name;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gregor.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Gregor.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\b(gregor|dotnet)_[a-z0-9_]+")]
    private static partial Regex MetricName();
}
