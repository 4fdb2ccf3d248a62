namespace Gregor.Compatibility.Tests.Support;

/// <summary>
/// Where things are in the repository the tests were built from: found by walking up from the
/// test binary to the folder holding Gregor.slnx. Stateless.
/// </summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the configuration this test assembly was built with.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent?.Name ?? "Debug";

    public static string TestProject => Path.Combine(Root, "tests", "Gregor.Compatibility.Tests");

    /// <summary>The broker host (src/Gregor, assembly `gregor`), built by this project's ProjectReference.</summary>
    public static string GregorDll
    {
        get
        {
            foreach (var configuration in new[] { Configuration, "Debug", "Release" })
            {
                var path = Path.Combine(Root, "src", "Gregor", "bin", configuration, "net10.0", "gregor.dll");
                if (File.Exists(path))
                {
                    return path;
                }
            }
            throw new FileNotFoundException("gregor.dll not found: build src/Gregor first");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Gregor.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("repository root (Gregor.slnx) not found above " + AppContext.BaseDirectory);
    }
}
