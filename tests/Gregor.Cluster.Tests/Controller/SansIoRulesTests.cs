using System.Text.RegularExpressions;

namespace Gregor.Cluster.Tests.Controller;

/// <summary>
/// The controller core and the metadata loader run unchanged in the deterministic simulator, so
/// they may reach time and randomness only through what is injected: no wall clock, no shared
/// or unseeded PRNG, no Guid.NewGuid, no threads, no thread pool, no blocking waits.
/// </summary>
public sealed partial class SansIoRulesTests
{
    [GeneratedRegex(@"\b(DateTime(Offset)?\.(Now|UtcNow|Today)|Environment\.TickCount(64)?|Stopwatch|TimeProvider\.System|Random\.Shared|new Random\(\s*\)|Guid\.NewGuid|new Thread\b|Thread\.Sleep|ThreadPool\.|Task\.Run|Task\.Delay|Task\.Factory|Parallel\.|Timer\b|\.Wait\(\)|\.Result\b|SemaphoreSlim|Monitor\.)")]
    private static partial Regex Forbidden();

    public static TheoryData<string> CoreFolders => new() { "Controller/Core", "Metadata" };

    [Theory]
    [MemberData(nameof(CoreFolders))]
    public void CoreSources_UseOnlyInjectedTimeAndRandomness(string folder)
    {
        var directory = Path.Combine(RepositoryRoot(), "src", "Gregor.Cluster", folder);
        var files = Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);

        var violations = (
            from file in files
            from line in File.ReadLines(file).Select((text, index) => (text, index))
            let code = line.text.Split("//")[0]
            where Forbidden().IsMatch(code)
            select $"{Path.GetFileName(file)}:{line.index + 1}: {line.text.Trim()}").ToList();

        Assert.True(violations.Count == 0, string.Join(Environment.NewLine, violations));
    }

    [Fact]
    public void TheCheck_CatchesAViolation()
    {
        Assert.Matches(Forbidden(), "var id = Guid.NewGuid();");
        Assert.Matches(Forbidden(), "await Task.Run(() => x);");
        Assert.Matches(Forbidden(), "var now = DateTimeOffset.UtcNow;");
        Assert.DoesNotMatch(Forbidden(), "var now = _time.GetUtcNow();");
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
        throw new DirectoryNotFoundException("Gregor.slnx not found above " + AppContext.BaseDirectory);
    }
}
