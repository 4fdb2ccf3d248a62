using System.Text;

namespace Gregor.Storage.Segments;

/// <summary>
/// Small files that must survive a crash whole (meta.properties, quorum-state, checkpoints):
/// written to <c>name.tmp</c>, fsynced, renamed over the target, and the directory fsynced so the
/// rename itself is durable. A crash leaves the old file or the new one, never a torn one.
/// </summary>
public static class DurableFile
{
    public static void WriteAllText(string path, string text) => WriteAllBytes(path, Encoding.UTF8.GetBytes(text));

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
        DirectorySync.Fsync(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }
}
