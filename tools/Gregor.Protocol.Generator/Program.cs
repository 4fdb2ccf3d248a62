using Gregor.Protocol.Generator;

// Usage: dotnet run --project tools/Gregor.Protocol.Generator -- [specDir] [outDir]
// Defaults: src/Gregor.Protocol/Specs and src/Gregor.Protocol/Generated of the enclosing repository.
var root = args.Length >= 2 ? null : ProtocolGenerator.FindRepositoryRoot(Directory.GetCurrentDirectory());
var specDir = args.Length >= 1 ? args[0] : ProtocolGenerator.DefaultSpecDir(root!);
var outDir = args.Length >= 2 ? args[1] : ProtocolGenerator.DefaultOutDir(root!);
if (!Directory.Exists(specDir))
{
    Console.Error.WriteLine($"spec folder not found: {specDir}");
    return 1;
}
var files = ProtocolGenerator.Generate(specDir, outDir);
Console.WriteLine($"wrote {files.Count} files to {Path.GetFullPath(outDir)}");
return 0;
