using Gregor.Protocol.Primitives;

namespace Gregor.Broker.Groups.Records;

/// <summary>
/// The key of a classic group's metadata in <c>__consumer_offsets</c>, Kafka's
/// <c>GroupMetadataKey</c>: int16 version 2, string group. Example for group "g":
/// <c>00 02 | 00 01 67</c>. A null value for this key (tombstone) deletes the group.
/// </summary>
public sealed record GroupMetadataKey(string Group)
{
    public const short Version = 2;

    public byte[] ToBytes()
    {
        using var writer = new ProtocolWriter(32);
        writer.WriteInt16(Version);
        writer.WriteString(Group, compact: false);
        return writer.WrittenSpan.ToArray();
    }

    public static GroupMetadataKey ReadBody(ref ProtocolReader reader) =>
        new(reader.ReadString(compact: false, nullable: false)!);
}
