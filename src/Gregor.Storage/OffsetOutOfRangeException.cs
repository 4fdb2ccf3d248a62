namespace Gregor.Storage;

/// <summary>A read or seek outside [LogStartOffset, LogEndOffset] (OFFSET_OUT_OF_RANGE).</summary>
public sealed class OffsetOutOfRangeException(string message) : StorageException(message);
