using Gregor.Protocol.Generator;

namespace Gregor.Protocol.Tests.Generator;

/// <summary>Locates the repository and its Kafka spec folder (src/Gregor.Protocol/Specs) for tests that need the specs. Stateless.</summary>
internal static class SpecFolder
{
    public static string RepositoryRoot => ProtocolGenerator.FindRepositoryRoot(AppContext.BaseDirectory);

    /// <summary>The spec folder; it is part of the repository, so its absence is a failure, not a skip.</summary>
    public static string SpecDir
    {
        get
        {
            var specDir = ProtocolGenerator.DefaultSpecDir(RepositoryRoot);
            Assert.True(Directory.Exists(specDir), $"Kafka spec folder not found at {specDir}");
            return specDir;
        }
    }
}
