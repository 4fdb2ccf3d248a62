using Microsoft.Win32.SafeHandles;

namespace Gregor.Storage.Segments;

/// <summary>
/// The file shared by <see cref="OffsetIndex"/> and <see cref="TimeIndex"/>: fixed-size
/// big-endian entries appended at the end, read positionally (pread) and binary-searched.
/// The file is exactly entries × entry size long (no preallocation, nothing to trim), so a torn
/// last entry shows up as a length that is not a multiple of the entry size.
/// Single writer (the log's append lock); readers may search concurrently because the entry
/// count is published after the entry bytes are written.
/// </summary>
internal abstract class IndexFile : IDisposable
{
    private SafeFileHandle _handle;
    private readonly int _entrySize;
    private volatile int _entries;
    private bool _disposed;

    protected IndexFile(string path, long baseOffset, int maxIndexBytes, int entrySize)
    {
        Path = path;
        BaseOffset = baseOffset;
        _entrySize = entrySize;
        MaxEntries = Math.Max(1, maxIndexBytes / entrySize);
        _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(_handle);
        LengthWasValid = length % entrySize == 0;
        _entries = (int)Math.Min(length / entrySize, int.MaxValue);
        if (!LengthWasValid)
        {
            RandomAccess.SetLength(_handle, (long)_entries * entrySize);
        }
    }

    public string Path { get; private set; }

    public long BaseOffset { get; }

    public int Entries => _entries;

    public int MaxEntries { get; }

    public bool IsFull => _entries >= MaxEntries;

    /// <summary>False when the file had a torn last entry on open (it was cut to whole entries).</summary>
    public bool LengthWasValid { get; }

    protected void ReadEntry(int index, Span<byte> entry)
    {
        var read = RandomAccess.Read(_handle, entry, (long)index * _entrySize);
        if (read != _entrySize)
        {
            throw new StorageException($"index {Path} is shorter than its entry {index}");
        }
    }

    protected void AppendEntry(ReadOnlySpan<byte> entry)
    {
        RandomAccess.Write(_handle, entry, (long)_entries * _entrySize);
        _entries++;
    }

    /// <summary>Keeps only the first <paramref name="entries"/> entries.</summary>
    public void TruncateToEntries(int entries)
    {
        if (entries >= _entries)
        {
            return;
        }
        _entries = entries;
        RandomAccess.SetLength(_handle, (long)entries * _entrySize);
    }

    public void Reset() => TruncateToEntries(0);

    /// <summary>Index of the last entry whose key is ≤ <paramref name="key"/>, or -1.</summary>
    protected int FloorEntry(long key, Func<int, long> keyAt)
    {
        int lo = 0, hi = _entries - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (int)(((uint)lo + (uint)hi) >> 1);
            if (keyAt(mid) <= key)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }
        return found;
    }

    public void Flush() => RandomAccess.FlushToDisk(_handle);

    /// <summary>Closes the file while the segment is idle (the entry count stays in memory); false if already closed.</summary>
    public bool CloseHandle()
    {
        if (_handle.IsClosed)
        {
            return false;
        }
        _handle.Dispose();
        return true;
    }

    /// <summary>Reopens the file closed by <see cref="CloseHandle"/>; its length is still entries × entry size.</summary>
    public void ReopenHandle()
    {
        if (_handle.IsClosed && !_disposed)
        {
            _handle = File.OpenHandle(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
    }

    public void Rename(string newPath)
    {
        File.Move(Path, newPath, overwrite: true);
        Path = newPath;
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _handle.Dispose();
        }
    }
}
