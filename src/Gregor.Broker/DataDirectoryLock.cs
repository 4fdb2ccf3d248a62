namespace Gregor.Broker;

/// <summary>
/// Holds the data directory for this process: creates it if missing and keeps an exclusive
/// lock on <c>&lt;data-dir&gt;/gregor.lock</c> (an OS file lock, released by the kernel if the
/// process dies, so a crash never leaves a stale lock). A second broker on the same directory
/// fails fast with a clear message instead of corrupting the logs. Creating the lock file also
/// proves the directory is writable. Dispose releases the lock; not thread-safe.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string LockFileName = "gregor.lock";

    private readonly FileStream _lockFile;

    private DataDirectoryLock(string directory, FileStream lockFile)
    {
        Directory = directory;
        _lockFile = lockFile;
    }

    /// <summary>The absolute path of the data directory.</summary>
    public string Directory { get; }

    /// <summary>Creates and locks <paramref name="path"/>; throws <see cref="BrokerStartException"/> when it cannot.</summary>
    public static DataDirectoryLock Acquire(string path)
    {
        var directory = Path.GetFullPath(path);
        if (File.Exists(directory))
        {
            throw Unusable($"data dir {directory} is a file, not a directory; choose another with --data-dir");
        }
        try
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Unusable($"cannot create data dir {directory}: {e.Message}", e);
        }
        var lockPath = Path.Combine(directory, LockFileName);
        try
        {
            // FileShare.None takes an exclusive flock on Unix: a second process fails here.
            var stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new DataDirectoryLock(directory, stream);
        }
        catch (UnauthorizedAccessException e)
        {
            throw Unusable($"data dir {directory} is not writable: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw Unusable($"data dir {directory} is locked by another gregor process ({e.Message})", e);
        }
    }

    public void Dispose() => _lockFile.Dispose();

    private static BrokerStartException Unusable(string message, Exception? inner = null) =>
        new(message, BrokerStartFailure.DataDirUnusable, inner);
}
