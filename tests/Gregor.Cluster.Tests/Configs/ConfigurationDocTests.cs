using Gregor.Cluster.Configs;

namespace Gregor.Cluster.Tests.Configs;

/// <summary>docs/configuration.md is generated from the catalogue; this keeps the committed page in sync.</summary>
public sealed class ConfigurationDocTests
{
    [Fact]
    public void ConfigurationDoc_MatchesTheCatalogue()
    {
        var path = Path.Combine(RepositoryRoot(), "docs", "configuration.md");
        var expected = ConfigDocumentation.RenderMarkdown();
        if (Environment.GetEnvironmentVariable("GREGOR_WRITE_DOCS") == "1")
        {
            File.WriteAllText(path, expected);
        }

        var committed = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : "";

        Assert.True(committed == expected,
            $"docs/configuration.md is out of date with src/Gregor.Cluster/Configs. Regenerate it with:\n  {ConfigDocumentation.RegenerateCommand}");
    }

    [Fact]
    public void ConfigurationDoc_ListsEveryKeyOnce()
    {
        var doc = ConfigDocumentation.RenderMarkdown();

        foreach (var key in BrokerConfigKeys.All.Concat(TopicConfigKeys.All))
        {
            Assert.Contains($"| `{key.Name}` |", doc, StringComparison.Ordinal);
        }
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
}
