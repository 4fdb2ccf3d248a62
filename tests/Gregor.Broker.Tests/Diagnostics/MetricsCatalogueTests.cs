using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Gregor.Broker.Groups;
using Gregor.Broker.Network;
using Gregor.Broker.Tests.Support;
using Gregor.Cluster.Partitions;
using Gregor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Diagnostics;

/// <summary>
/// Every instrument a broker publishes follows the naming scheme of docs/metrics.md and is
/// listed there, and every instrument listed there is published, with the documented unit.
/// </summary>
public sealed partial class MetricsCatalogueTests
{
    [Fact]
    public async Task EveryPublishedInstrument_FollowsTheSchemeAndIsDocumented()
    {
        var documented = DocumentedInstruments();
        var published = new Dictionary<string, Instrument>();
        await using var broker = await TestBroker.StartAsync();
        var factory = broker.Services.GetRequiredService<IMeterFactory>();
        // Storage's static meter is created with its type; the rest with the broker's components.
        RuntimeHelpers.RunClassConstructor(typeof(LogManager).Assembly.GetType("Gregor.Storage.StorageMetrics", throwOnError: true)!.TypeHandle);
        _ = broker.Services.GetRequiredService<ReplicaManager>();
        _ = broker.Services.GetRequiredService<GroupCoordinator>();
        _ = broker.Services.GetRequiredService<ConsumerLagMetrics>();
        _ = broker.Services.GetRequiredService<NetworkMetrics>();
        _ = broker.Services.GetRequiredService<IRequestProcessor>();

        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            // The host's factory also makes ASP.NET Core's meters (Kestrel, hosting): only Gregor's are ours.
            if (instrument.Meter.Name.StartsWith("Gregor.", StringComparison.Ordinal)
                && (instrument.Meter.Scope == factory || instrument.Meter.Name == "Gregor.Storage"))
            {
                lock (published)
                {
                    published[instrument.Name] = instrument;
                }
            }
        };
        listener.Start();

        Dictionary<string, Instrument> snapshot;
        lock (published)
        {
            snapshot = new(published);
        }
        Assert.NotEmpty(snapshot);
        foreach (var (name, instrument) in snapshot)
        {
            var part = instrument.Meter.Name["Gregor.".Length..].ToLowerInvariant();
            Assert.Matches(NamePattern(), name);
            Assert.StartsWith($"gregor.{part}.", name, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(instrument.Description), $"{name} has no description");
            Assert.Matches(UnitPattern(), instrument.Unit ?? "");
            if (name.EndsWith(".duration", StringComparison.Ordinal))
            {
                Assert.Equal("s", instrument.Unit);
                Assert.IsType<Histogram<double>>(instrument);
            }
            Assert.True(documented.TryGetValue(name, out var unit), $"{name} is published but not listed in docs/metrics.md");
            Assert.Equal(unit, instrument.Unit);
        }
        Assert.Empty(documented.Keys.Except(snapshot.Keys));
    }

    private static Dictionary<string, string> DocumentedInstruments()
    {
        var doc = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "metrics.md"));
        var rows = new Dictionary<string, string>();
        foreach (Match match in DocRow().Matches(doc))
        {
            rows.Add(match.Groups["name"].Value, match.Groups["unit"].Value);
        }
        return rows;
    }

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

    [GeneratedRegex(@"^gregor(\.[a-z][a-z0-9_]*){2,}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^(By|s|\{[a-z_]+\})$")]
    private static partial Regex UnitPattern();

    [GeneratedRegex(@"^\| `(?<name>gregor\.[^`]+)` \| `(?<unit>[^`]+)` \|", RegexOptions.Multiline)]
    private static partial Regex DocRow();
}
