namespace Gregor.Testing;

/// <summary>
/// A fresh directory under the temporary path (<c>gregor-{purpose}-{guid}</c>), deleted with
/// everything in it on dispose. Deletion is best effort: a leftover temporary directory is
/// harmless, a test failing in its cleanup is not. Not thread-safe to dispose concurrently.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string purpose = "test")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"gregor-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The path of <paramref name="name"/> inside this directory (not created).</summary>
    public string Sub(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort (see the class comment).
        }
        catch (UnauthorizedAccessException)
        {
            // Best effort (see the class comment).
        }
    }
}
