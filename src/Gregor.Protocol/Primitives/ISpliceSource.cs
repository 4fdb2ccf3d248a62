namespace Gregor.Protocol.Primitives;

/// <summary>
/// Memory spliced into a message (<see cref="ProtocolWriter.WriteRecords"/>) whose bytes live
/// elsewhere, such as file ranges of a partition log. Implemented by the
/// <see cref="System.Buffers.MemoryManager{T}"/> behind the spliced <see cref="ReadOnlyMemory{T}"/>,
/// so a writer that finds it (<c>MemoryMarshal.TryGetMemoryManager</c>) reads the bytes straight
/// into its destination (the transport pipe's memory) instead of asking for a span, which would
/// have to materialise them in a buffer first.
/// </summary>
public interface ISpliceSource
{
    /// <summary>
    /// Reads the bytes at <paramref name="offset"/> (from the start of this memory) into
    /// <paramref name="destination"/>; returns how many were read (at least 1 while bytes remain).
    /// Throws <see cref="IOException"/> when the source no longer holds them.
    /// </summary>
    int ReadAt(long offset, Span<byte> destination);
}
