namespace Gregor.Protocol.Primitives;

/// <summary>
/// A value a <see cref="ProtocolWriter"/> wrote by reference: <see cref="Bytes"/> belong in the
/// message right after the first <see cref="Position"/> bytes of the writer's buffer.
/// </summary>
public readonly record struct Splice(int Position, ReadOnlyMemory<byte> Bytes);
