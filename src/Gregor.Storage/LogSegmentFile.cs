using Microsoft.Win32.SafeHandles;

namespace Gregor.Storage;

/// <summary>
/// An open segment .log file shared by its segment and by every <see cref="ReadResult"/> that
/// points into it. Reference-counted: the segment holds one reference, each read result one
/// more, and the handle is closed when the last is released, so a segment deleted by retention
/// (its file renamed to *.deleted and unlinked later) stays readable through a fetch already in
/// flight. Thread-safe.
/// </summary>
public sealed class LogSegmentFile
{
    private readonly Segments.SegmentFileBudget? _budget;
    private int _references = 1;

    internal LogSegmentFile(SafeFileHandle handle, string path, Segments.SegmentFileBudget? budget = null)
    {
        Handle = handle;
        Path = path;
        _budget = budget;
    }

    /// <summary>The file handle, for RandomAccess.Read or sendfile. Valid while a reference is held.</summary>
    public SafeFileHandle Handle { get; }

    /// <summary>The path the file had when it was opened (it may since have been renamed).</summary>
    public string Path { get; }

    /// <summary>Takes one more reference; false when the file was already closed.</summary>
    internal bool TryRetain()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current <= 0)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Drops one reference, closing the handle with the last.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Handle.Dispose();
            _budget?.FileClosed();
        }
    }
}
