using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// BrokerRegistrationChangeRecord (apiKey 17, written as v1, v0-v3 readable): a change to one
/// incarnation's registration. Both fields are tagged (written only when they change something):
/// <see cref="Fenced"/> is -1 unfenced, 0 no change, 1 fenced; <see cref="InControlledShutdown"/>
/// is 1 once the broker asked for a controlled shutdown.
/// </summary>
public sealed record BrokerRegistrationChangeRecord(int BrokerId, long BrokerEpoch, sbyte Fenced = 0, sbyte InControlledShutdown = 0) : MetadataRecord
{
    public const sbyte FenceChangeFenced = 1;
    public const sbyte FenceChangeUnfenced = -1;

    public override MetadataRecordType Type => MetadataRecordType.BrokerRegistrationChange;

    public override short Version => 1;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteInt32(BrokerId);
        writer.WriteInt64(BrokerEpoch);
        var tags = (Fenced != 0 ? 1u : 0u) + (InControlledShutdown != 0 ? 1u : 0u);
        writer.WriteUnsignedVarInt(tags);
        if (Fenced != 0)
        {
            writer.WriteTaggedField(0, [(byte)Fenced]);
        }
        if (InControlledShutdown != 0)
        {
            writer.WriteTaggedField(1, [(byte)InControlledShutdown]);
        }
    }

    internal static BrokerRegistrationChangeRecord Read(ref ProtocolReader reader, short version)
    {
        if (version > 3)
        {
            throw new ProtocolException($"BrokerRegistrationChangeRecord version {version} is newer than this node understands");
        }
        var brokerId = reader.ReadInt32();
        var brokerEpoch = reader.ReadInt64();
        sbyte fenced = 0, inControlledShutdown = 0;
        var count = reader.ReadUnsignedVarInt();
        for (var i = 0u; i < count; i++)
        {
            var tag = reader.ReadUnsignedVarInt();
            var size = reader.ReadUnsignedVarInt();
            if (size > (uint)reader.Remaining)
            {
                throw new ProtocolException($"tagged field of {size} bytes exceeds the {reader.Remaining} bytes left");
            }
            switch (tag)
            {
                case 0 when size == 1:
                    fenced = reader.ReadInt8();
                    break;
                case 1 when size == 1:
                    inControlledShutdown = reader.ReadInt8();
                    break;
                default:
                    reader.Skip((int)size); // LogDirs, CordonedLogDirs: JBOD is not supported
                    break;
            }
        }
        return new BrokerRegistrationChangeRecord(brokerId, brokerEpoch, fenced, inControlledShutdown);
    }
}
