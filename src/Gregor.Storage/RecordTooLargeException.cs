using Gregor.Protocol.Errors;

namespace Gregor.Storage;

/// <summary>A batch larger than max.message.bytes or than a segment can hold (MESSAGE_TOO_LARGE).</summary>
public sealed class RecordTooLargeException(string message) : StorageException(ErrorCode.MessageTooLarge, message);
