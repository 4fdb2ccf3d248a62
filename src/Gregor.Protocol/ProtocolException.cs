namespace Gregor.Protocol;

/// <summary>
/// Malformed bytes on the wire or on disk: a truncated field, a negative or oversized length,
/// an invalid varint, a CRC mismatch. Parsers throw this and nothing else for bad input, so the
/// network layer can turn it into a Kafka error or a closed connection without guessing.
/// </summary>
public class ProtocolException(string message) : Exception(message);

/// <summary>A record batch whose stored CRC32C does not match its bytes (CORRUPT_MESSAGE).</summary>
public sealed class CorruptRecordException(string message) : ProtocolException(message);
