using Gregor.Protocol.Errors;

namespace Gregor.Storage;

/// <summary>A batch from an older producer epoch than the log has seen (INVALID_PRODUCER_EPOCH / PRODUCER_FENCED).</summary>
public sealed class InvalidProducerEpochException(string message) : StorageException(ErrorCode.InvalidProducerEpoch, message);
