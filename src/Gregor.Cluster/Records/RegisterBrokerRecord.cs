using System.Collections.Immutable;
using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// RegisterBrokerRecord (apiKey 0, written as v1, v0-v4 readable): a broker (re)joined with
/// these listeners. Written by the controller for each BrokerRegistration (new incarnation id,
/// broker epoch = the record's offset as in Kafka), fenced until the broker has caught up; a
/// snapshot writes the current state of each registration (fenced, in controlled shutdown).
/// Feature ranges are not recorded yet.
/// </summary>
public sealed record RegisterBrokerRecord(
    int BrokerId,
    Guid IncarnationId,
    long BrokerEpoch,
    ImmutableArray<BrokerEndpoint> EndPoints,
    string? Rack,
    bool Fenced,
    bool InControlledShutdown = false) : MetadataRecord
{
    public override MetadataRecordType Type => MetadataRecordType.RegisterBroker;

    public override short Version => 1;

    internal override void WriteFields(ProtocolWriter writer)
    {
        writer.WriteInt32(BrokerId);
        writer.WriteUuid(IncarnationId);
        writer.WriteInt64(BrokerEpoch);
        var endpoints = EndPoints.IsDefault ? [] : EndPoints;
        writer.WriteArrayLength(endpoints.Length, compact: true);
        foreach (var endpoint in endpoints)
        {
            writer.WriteString(endpoint.Name, compact: true);
            writer.WriteString(endpoint.Host, compact: true);
            writer.WriteUInt16(endpoint.Port);
            writer.WriteInt16(endpoint.SecurityProtocol);
            MetadataFieldCodec.WriteEmptyTaggedFields(writer);
        }
        writer.WriteArrayLength(0, compact: true); // Features
        writer.WriteString(Rack, compact: true);
        writer.WriteBool(Fenced);
        writer.WriteBool(InControlledShutdown);
        MetadataFieldCodec.WriteEmptyTaggedFields(writer);
    }

    internal static RegisterBrokerRecord Read(ref ProtocolReader reader, short version)
    {
        var brokerId = reader.ReadInt32();
        if (version >= 2)
        {
            reader.ReadBool(); // IsMigratingZkBroker
        }
        var incarnationId = reader.ReadUuid();
        var brokerEpoch = reader.ReadInt64();
        var count = reader.ReadArrayLength(compact: true, nullable: false, minElementSize: 7);
        var endpoints = ImmutableArray.CreateBuilder<BrokerEndpoint>(count);
        for (var i = 0; i < count; i++)
        {
            var name = MetadataFieldCodec.ReadString(ref reader);
            var host = MetadataFieldCodec.ReadString(ref reader);
            var port = reader.ReadUInt16();
            var protocol = reader.ReadInt16();
            MetadataFieldCodec.SkipTaggedFields(ref reader);
            endpoints.Add(new BrokerEndpoint(name, host, port, protocol));
        }
        var features = reader.ReadArrayLength(compact: true, nullable: false, minElementSize: 6);
        for (var i = 0; i < features; i++)
        {
            MetadataFieldCodec.ReadString(ref reader);
            reader.ReadInt16();
            reader.ReadInt16();
            MetadataFieldCodec.SkipTaggedFields(ref reader);
        }
        var rack = MetadataFieldCodec.ReadNullableString(ref reader);
        var fenced = reader.ReadBool();
        var inControlledShutdown = version >= 1 && reader.ReadBool();
        if (version > 4)
        {
            throw new ProtocolException($"RegisterBrokerRecord version {version} is newer than this node understands");
        }
        MetadataFieldCodec.SkipTaggedFields(ref reader);
        return new RegisterBrokerRecord(brokerId, incarnationId, brokerEpoch, endpoints.MoveToImmutable(), rack, fenced, inControlledShutdown);
    }
}
