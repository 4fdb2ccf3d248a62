using Gregor.Protocol.Errors;

namespace Gregor.Storage;

/// <summary>An idempotent producer's batch does not follow its last sequence (OUT_OF_ORDER_SEQUENCE_NUMBER).</summary>
public sealed class OutOfOrderSequenceException(string message) : StorageException(ErrorCode.OutOfOrderSequenceNumber, message);
