using Gregor.Protocol.Generator;

namespace Gregor.Protocol.Tests.Generator;

/// <summary>Locates the repository and the Kafka spec folder for tests that need the specs. Stateless.</summary>
internal static class SpecFolder
{
    public static string RepositoryRoot => ProtocolGenerator.FindRepositoryRoot(AppContext.BaseDirectory);

    /// <summary>The spec folder, or a skipped test when it is not there (e.g. a clone without ../shared).</summary>
    public static string RequireSpecDir()
    {
        var specDir = ProtocolGenerator.DefaultSpecDir(RepositoryRoot);
        if (!Directory.Exists(specDir))
        {
            Assert.Skip($"Kafka spec folder not found at {specDir}: the generated code cannot be checked against the specs here");
        }
        return specDir;
    }
}
