using Gregor.Protocol.Primitives;

namespace Gregor.Broker.Groups.Records;

/// <summary>
/// The key of a committed offset in <c>__consumer_offsets</c>, Kafka's <c>OffsetCommitKey</c>
/// (records/group-coordinator/OffsetCommitKey.json). Written with key version 1 (Kafka's
/// current format); versions 0 and 1 share the layout and both are read.
/// Layout: int16 version, string group, string topic, int32 partition. Example for group "g",
/// topic "t", partition 2: <c>00 01 | 00 01 67 | 00 01 74 | 00 00 00 02</c>.
/// </summary>
public sealed record OffsetCommitKey(string Group, string Topic, int Partition)
{
    public const short Version = 1;

    public void Write(ProtocolWriter writer)
    {
        writer.WriteInt16(Version);
        writer.WriteString(Group, compact: false);
        writer.WriteString(Topic, compact: false);
        writer.WriteInt32(Partition);
    }

    /// <summary>Reads the fields after the version, which the caller has already read.</summary>
    public static OffsetCommitKey ReadBody(ref ProtocolReader reader)
    {
        var group = reader.ReadString(compact: false, nullable: false)!;
        var topic = reader.ReadString(compact: false, nullable: false)!;
        var partition = reader.ReadInt32();
        return new OffsetCommitKey(group, topic, partition);
    }

    public byte[] ToBytes()
    {
        using var writer = new ProtocolWriter(64);
        Write(writer);
        return writer.WrittenSpan.ToArray();
    }
}
