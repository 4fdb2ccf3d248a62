using System.Runtime.InteropServices;

namespace Gregor.Storage.Segments;

/// <summary>
/// fsync of a directory, so that a newly created or renamed segment file survives power loss
/// (POSIX keeps directory entries separately from file data). .NET has no API for it; on
/// Linux/macOS this calls open(2)/fsync(2) through libc, elsewhere it is a no-op.
/// </summary>
public static partial class DirectorySync
{
    private const int ReadOnly = 0;

    public static void Fsync(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }
        var fd = Open(directory, ReadOnly);
        if (fd < 0)
        {
            return;
        }
        try
        {
            _ = FsyncFd(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncFd(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
