using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Messages;

/// <summary>
/// Helpers the generated Write methods share for the tagged-field section: unknown tagged
/// fields are merged with the known ones in tag order. Stateless.
/// </summary>
internal static class TaggedFields
{
    /// <summary>
    /// Writes the unknown fields from <paramref name="next"/> on whose tag is below
    /// <paramref name="tag"/>; returns the index of the first one not written.
    /// </summary>
    public static int WriteUnknownBefore(ProtocolWriter writer, List<RawTaggedField>? unknown, int next, int tag)
    {
        if (unknown is null)
        {
            return next;
        }
        while (next < unknown.Count && unknown[next].Tag < tag)
        {
            var field = unknown[next];
            writer.WriteTaggedField(field.Tag, field.Data.Span);
            next++;
        }
        return next;
    }
}
