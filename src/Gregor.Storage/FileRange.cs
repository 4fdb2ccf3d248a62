namespace Gregor.Storage;

/// <summary>
/// A run of whole record batches in a segment file: send <paramref name="Length"/> bytes from
/// <paramref name="Position"/> of <paramref name="File"/>. Valid only while the
/// <see cref="ReadResult"/> that returned it is not disposed.
/// </summary>
public readonly record struct FileRange(LogSegmentFile File, long Position, int Length);
