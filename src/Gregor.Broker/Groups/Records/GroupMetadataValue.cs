using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Broker.Groups.Records;

/// <summary>
/// The value of a classic group's metadata in <c>__consumer_offsets</c>, Kafka's
/// <c>GroupMetadataValue</c> (versions 0-4; Gregor writes 3, the version Kafka writes).
/// v3 layout: int16 3, string protocolType, int32 generation, nullable string protocol,
/// nullable string leader, int64 currentStateTimestamp, int32 member count, then per member:
/// string memberId, nullable string groupInstanceId, string clientId, string clientHost,
/// int32 rebalanceTimeout, int32 sessionTimeout, bytes subscription, bytes assignment.
/// </summary>
public sealed record GroupMetadataValue(
    string ProtocolType,
    int Generation,
    string? Protocol,
    string? Leader,
    long CurrentStateTimestamp,
    IReadOnlyList<GroupMemberMetadata> Members)
{
    public const short WriteVersion = 3;

    public void Write(ProtocolWriter writer, short version = WriteVersion)
    {
        if (version is < 0 or > 4)
        {
            throw new ProtocolException($"group metadata value version {version} is not 0-4");
        }
        var flexible = version >= 4;
        writer.WriteInt16(version);
        writer.WriteString(ProtocolType, flexible);
        writer.WriteInt32(Generation);
        writer.WriteString(Protocol, flexible);
        writer.WriteString(Leader, flexible);
        if (version >= 2)
        {
            writer.WriteInt64(CurrentStateTimestamp);
        }
        writer.WriteArrayLength(Members.Count, flexible);
        foreach (var member in Members)
        {
            writer.WriteString(member.MemberId, flexible);
            if (version >= 3)
            {
                writer.WriteString(member.GroupInstanceId, flexible);
            }
            writer.WriteString(member.ClientId, flexible);
            writer.WriteString(member.ClientHost, flexible);
            if (version >= 1)
            {
                writer.WriteInt32(member.RebalanceTimeout);
            }
            writer.WriteInt32(member.SessionTimeout);
            writer.WriteBytes(member.Subscription, flexible);
            writer.WriteBytes(member.Assignment, flexible);
            if (flexible)
            {
                writer.WriteUnsignedVarInt(0);
            }
        }
        if (flexible)
        {
            writer.WriteUnsignedVarInt(0);
        }
    }

    public byte[] ToBytes()
    {
        using var writer = new ProtocolWriter(256);
        Write(writer);
        return writer.WrittenSpan.ToArray();
    }

    public static GroupMetadataValue Read(ReadOnlyMemory<byte> bytes)
    {
        var reader = new ProtocolReader(bytes);
        var version = reader.ReadInt16();
        if (version is < 0 or > 4)
        {
            throw new ProtocolException($"group metadata value version {version} is not 0-4");
        }
        var flexible = version >= 4;
        var protocolType = reader.ReadString(flexible, nullable: false)!;
        var generation = reader.ReadInt32();
        var protocol = reader.ReadString(flexible, nullable: true);
        var leader = reader.ReadString(flexible, nullable: true);
        var timestamp = version >= 2 ? reader.ReadInt64() : -1;
        // A member takes at least 18 bytes (four empty strings, a timeout, two empty byte arrays).
        var count = reader.ReadArrayLength(flexible, nullable: false, minElementSize: 18);
        var members = new List<GroupMemberMetadata>(count);
        for (var i = 0; i < count; i++)
        {
            var memberId = reader.ReadString(flexible, nullable: false)!;
            var instanceId = version >= 3 ? reader.ReadString(flexible, nullable: true) : null;
            var clientId = reader.ReadString(flexible, nullable: false)!;
            var clientHost = reader.ReadString(flexible, nullable: false)!;
            var rebalanceTimeout = version >= 1 ? reader.ReadInt32() : -1;
            var sessionTimeout = reader.ReadInt32();
            var subscription = reader.ReadBytes(flexible, nullable: false)!.Value.ToArray();
            var assignment = reader.ReadBytes(flexible, nullable: false)!.Value.ToArray();
            if (flexible)
            {
                SkipTaggedFields(ref reader);
            }
            members.Add(new GroupMemberMetadata(
                memberId, instanceId, clientId, clientHost, rebalanceTimeout, sessionTimeout, subscription, assignment));
        }
        if (flexible)
        {
            SkipTaggedFields(ref reader);
        }
        return new GroupMetadataValue(protocolType, generation, protocol, leader, timestamp, members);
    }

    private static void SkipTaggedFields(ref ProtocolReader reader)
    {
        var count = reader.ReadUnsignedVarInt();
        for (var i = 0u; i < count; i++)
        {
            reader.ReadUnsignedVarInt();
            reader.Skip((int)reader.ReadUnsignedVarInt());
        }
    }
}
