using Gregor.Protocol.Generator;

namespace Gregor.Protocol.Tests.Generator;

/// <summary>The committed generated code is exactly what the generator produces from the specs.</summary>
public sealed class GeneratorReproducibilityTests
{
    [Fact]
    public void Regenerating_IntoTempFolder_MatchesCommittedFilesByteForByte()
    {
        var specDir = SpecFolder.SpecDir;
        var committedDir = ProtocolGenerator.DefaultOutDir(SpecFolder.RepositoryRoot);
        var tempDir = Path.Combine(Path.GetTempPath(), "gregor-generated-" + Guid.NewGuid().ToString("N"));
        try
        {
            var written = ProtocolGenerator.Generate(specDir, tempDir);
            var committed = Directory.GetFiles(committedDir, "*.cs").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(written.Order(StringComparer.Ordinal).ToList(), committed);
            foreach (var name in written)
            {
                var expected = File.ReadAllBytes(Path.Combine(tempDir, name));
                var actual = File.ReadAllBytes(Path.Combine(committedDir, name));
                Assert.True(expected.AsSpan().SequenceEqual(actual),
                    $"{name} differs from the generator's output: run `dotnet run --project tools/Gregor.Protocol.Generator` and commit");
            }
        }
        finally
        {
            Directory.Delete(tempDir, recursive: true);
        }
    }

    [Fact]
    public void Generate_DeletesStaleFilesAndKeepsUnchangedOnes()
    {
        var specDir = SpecFolder.SpecDir;
        var tempDir = Path.Combine(Path.GetTempPath(), "gregor-generated-" + Guid.NewGuid().ToString("N"));
        try
        {
            ProtocolGenerator.Generate(specDir, tempDir);
            var stale = Path.Combine(tempDir, "RemovedApiRequest.cs");
            File.WriteAllText(stale, "// left over from an older spec");
            var produce = Path.Combine(tempDir, "ProduceRequest.cs");
            var stamp = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(produce, stamp);

            ProtocolGenerator.Generate(specDir, tempDir);

            Assert.False(File.Exists(stale));
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(produce)); // unchanged output is not rewritten
        }
        finally
        {
            Directory.Delete(tempDir, recursive: true);
        }
    }

    [Fact]
    public void GeneratedCode_CarriesHeaderAndNoSpecProse()
    {
        var specDir = SpecFolder.SpecDir;
        var committedDir = ProtocolGenerator.DefaultOutDir(SpecFolder.RepositoryRoot);
        var produce = File.ReadAllText(Path.Combine(committedDir, "ProduceRequest.cs"));
        Assert.StartsWith(MessageEmitter.Header + "\n#nullable enable\n", produce, StringComparison.Ordinal);
        // A phrase from the spec's "about" text must not be copied into the code.
        Assert.Contains("The number of acknowledgments", File.ReadAllText(Path.Combine(specDir, "ProduceRequest.json")), StringComparison.Ordinal);
        Assert.DoesNotContain("The number of acknowledgments", produce, StringComparison.Ordinal);
    }
}
