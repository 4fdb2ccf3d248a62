namespace Gregor.Compatibility.Tests.Support;

/// <summary>
/// Where things are in the repository the tests were built from: found by walking up from the
/// test binary to the folder holding Gregor.slnx. Stateless.
/// </summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string TestProject => Path.Combine(Root, "tests", "Gregor.Compatibility.Tests");

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
