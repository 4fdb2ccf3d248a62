using Gregor.Protocol.Errors;

namespace Gregor.Storage;

/// <summary>A batch whose header contradicts itself: record count vs offset delta, offsets going backwards, a follower batch not continuing the log (INVALID_RECORD).</summary>
public sealed class InvalidRecordException(string message) : StorageException(ErrorCode.InvalidRecord, message);
