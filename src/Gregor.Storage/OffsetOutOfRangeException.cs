using Gregor.Protocol.Errors;

namespace Gregor.Storage;

/// <summary>A read or seek outside [LogStartOffset, LogEndOffset] (OFFSET_OUT_OF_RANGE).</summary>
public sealed class OffsetOutOfRangeException(string message) : StorageException(ErrorCode.OffsetOutOfRange, message);
