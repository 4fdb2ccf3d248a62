using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Broker.Groups.Records;

/// <summary>
/// The value of a committed offset in <c>__consumer_offsets</c>, Kafka's <c>OffsetCommitValue</c>
/// (versions 0-4). Gregor writes version 3 (offset, leader epoch, metadata, commit timestamp),
/// or version 1 when the commit carried an explicit expire timestamp (OffsetCommit v2-v4
/// retention time), exactly as Kafka chooses. A null value (tombstone) deletes the offset.
/// v3 layout: int16 3, int64 offset, int32 leaderEpoch, string metadata, int64 commitTimestamp.
/// v4 is flexible (compact string, tagged fields; tag 0 = topic id).
/// </summary>
public sealed record OffsetCommitValue(
    long Offset,
    int LeaderEpoch,
    string Metadata,
    long CommitTimestamp,
    long ExpireTimestamp = -1,
    Guid TopicId = default)
{
    /// <summary>The version Kafka writes for this value: 1 with an expire timestamp, else 3.</summary>
    public short PreferredVersion => ExpireTimestamp >= 0 ? (short)1 : (short)3;

    public void Write(ProtocolWriter writer, short version)
    {
        if (version is < 0 or > 4)
        {
            throw new ProtocolException($"offset commit value version {version} is not 0-4");
        }
        var flexible = version >= 4;
        writer.WriteInt16(version);
        writer.WriteInt64(Offset);
        if (version >= 3)
        {
            writer.WriteInt32(LeaderEpoch);
        }
        writer.WriteString(Metadata, flexible);
        writer.WriteInt64(CommitTimestamp);
        if (version == 1)
        {
            writer.WriteInt64(ExpireTimestamp);
        }
        if (flexible)
        {
            if (TopicId == Guid.Empty)
            {
                writer.WriteUnsignedVarInt(0);
            }
            else
            {
                writer.WriteUnsignedVarInt(1);
                writer.WriteUnsignedVarInt(0);
                writer.WriteUnsignedVarInt(16);
                writer.WriteUuid(TopicId);
            }
        }
    }

    public byte[] ToBytes()
    {
        using var writer = new ProtocolWriter(64 + Metadata.Length * 3);
        Write(writer, PreferredVersion);
        return writer.WrittenSpan.ToArray();
    }

    public static OffsetCommitValue Read(ReadOnlyMemory<byte> bytes)
    {
        var reader = new ProtocolReader(bytes);
        var version = reader.ReadInt16();
        if (version is < 0 or > 4)
        {
            throw new ProtocolException($"offset commit value version {version} is not 0-4");
        }
        var flexible = version >= 4;
        var offset = reader.ReadInt64();
        var leaderEpoch = version >= 3 ? reader.ReadInt32() : -1;
        var metadata = reader.ReadString(flexible, nullable: false)!;
        var commitTimestamp = reader.ReadInt64();
        var expireTimestamp = version == 1 ? reader.ReadInt64() : -1;
        var topicId = Guid.Empty;
        if (flexible)
        {
            var tagCount = reader.ReadUnsignedVarInt();
            for (var i = 0u; i < tagCount; i++)
            {
                var tag = reader.ReadUnsignedVarInt();
                var size = (int)reader.ReadUnsignedVarInt();
                if (tag == 0 && size == 16)
                {
                    topicId = reader.ReadUuid();
                }
                else
                {
                    reader.Skip(size);
                }
            }
        }
        return new OffsetCommitValue(offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp, topicId);
    }
}
