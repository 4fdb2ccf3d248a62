namespace Gregor.Protocol.Messages;

/// <summary>
/// A tagged field kept as bytes because the reading version does not know its tag.
/// <see cref="Data"/> is a slice of the received frame (no copy), valid as long as the frame is.
/// </summary>
public readonly record struct RawTaggedField(int Tag, ReadOnlyMemory<byte> Data);
