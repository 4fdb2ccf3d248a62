namespace Gregor.Protocol.Generator;

/// <summary>
/// Entry point of the generator, callable from the console tool and from tests: reads the specs,
/// writes one file per message plus ApiKey.cs and ApiMessageFactory.cs, and deletes generated
/// files that no longer correspond to a spec. Output depends only on the spec files (sorted
/// ordinally, "\n" line endings), so regenerating is byte-for-byte reproducible. Stateless.
/// </summary>
public static class ProtocolGenerator
{
    /// <summary>Generates into <paramref name="outDir"/> and returns the names of the files written.</summary>
    public static IReadOnlyList<string> Generate(string specDir, string outDir)
    {
        var messages = SpecLoader.LoadMessages(specDir);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            files[message.Name + ".cs"] = new MessageEmitter(message).Emit();
        }
        files["ApiKey.cs"] = RegistryEmitter.EmitApiKey(messages);
        files["ApiMessageFactory.cs"] = RegistryEmitter.EmitFactory(messages);
        files["MessageFieldTable.cs"] = RegistryEmitter.EmitFieldTable(messages);

        Directory.CreateDirectory(outDir);
        foreach (var stale in Directory.GetFiles(outDir, "*.cs"))
        {
            if (!files.ContainsKey(Path.GetFileName(stale)))
            {
                File.Delete(stale);
            }
        }
        foreach (var (name, text) in files)
        {
            var path = Path.Combine(outDir, name);
            if (!File.Exists(path) || File.ReadAllText(path) != text)
            {
                File.WriteAllText(path, text);
            }
        }
        return [.. files.Keys];
    }

    /// <summary>The repository root: the nearest folder above <paramref name="start"/> holding Gregor.slnx.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gregor.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"no Gregor.slnx above {start}");
    }

    /// <summary>src/Gregor.Protocol/Specs: Kafka's JSON specs, kept in the repository so a clone can regenerate.</summary>
    public static string DefaultSpecDir(string repositoryRoot) =>
        Path.Combine(repositoryRoot, "src", "Gregor.Protocol", "Specs");

    public static string DefaultOutDir(string repositoryRoot) =>
        Path.Combine(repositoryRoot, "src", "Gregor.Protocol", "Generated");
}
