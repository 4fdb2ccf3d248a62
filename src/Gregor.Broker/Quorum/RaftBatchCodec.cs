using Gregor.Cluster.Raft;
using Gregor.Cluster.Records;
using Gregor.Protocol;
using Gregor.Protocol.Primitives;
using Gregor.Protocol.Records;

namespace Gregor.Broker.Quorum;

/// <summary>
/// <see cref="RaftLogBatch"/> ↔ the bytes of a Kafka v2 record batch, as stored in the metadata log
/// and carried by Fetch: data batches are <see cref="MetadataBatch"/> (partitionLeaderEpoch = Raft
/// epoch); a control batch (attribute bit 5) holds one control record whose key is
/// (int16 version 0, int16 type) and whose value is the flexible message — LeaderChangeMessage v0:
/// <code>int16 version | int32 leaderId | voters: compact array of (int32 voterId, tags) | grantingVoters: same | tags</code>
/// Other control types pass through as <see cref="OpaqueControlRecord"/>. Stateless, thread-safe.
/// </summary>
public static class RaftBatchCodec
{
    public static byte[] Encode(RaftLogBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Control is null)
        {
            return MetadataBatch.Encode(batch.BaseOffset, batch.Epoch, batch.AppendTimestampMs, batch.Records);
        }
        var key = new byte[ControlRecords.KeySize];
        ControlRecords.WriteKey(key, (ControlRecordType)batch.Control.Type);
        using var builder = new RecordBatchBuilder { BaseOffset = batch.BaseOffset, PartitionLeaderEpoch = batch.Epoch, IsControl = true };
        builder.Append(batch.AppendTimestampMs, key, EncodeControlValue(batch.Control));
        return builder.ToArray();
    }

    /// <summary>Appends the encoding of every batch to <paramref name="writer"/> (a Fetch response's records).</summary>
    public static void EncodeAll(IReadOnlyList<RaftLogBatch> batches, ProtocolWriter writer)
    {
        foreach (var batch in batches)
        {
            writer.WriteRaw(Encode(batch));
        }
    }

    /// <summary>Decodes one whole batch; <see cref="ProtocolException"/> for malformed bytes, a CRC mismatch or a record Gregor cannot read.</summary>
    public static RaftLogBatch Decode(ReadOnlyMemory<byte> bytes)
    {
        if (!RecordBatchHeader.TryRead(bytes.Span, out var header) || header.TotalSize != bytes.Length)
        {
            throw new ProtocolException("Raft batch is truncated or has trailing bytes");
        }
        if (!header.IsControl)
        {
            var entries = MetadataBatch.Decode(bytes);
            var records = new MetadataRecord[entries.Count];
            for (var i = 0; i < entries.Count; i++)
            {
                records[i] = entries[i].Record
                    ?? throw new ProtocolException($"metadata record at offset {entries[i].Offset} has a type this node cannot read");
            }
            return new RaftLogBatch(header.BaseOffset, header.PartitionLeaderEpoch, header.MaxTimestamp, records);
        }
        var batch = RecordBatch.Read(bytes);
        RaftControlRecord? control = null;
        var timestamp = header.MaxTimestamp;
        foreach (var record in batch)
        {
            if (control is not null)
            {
                throw new ProtocolException($"control batch at offset {header.BaseOffset} holds more than one record");
            }
            var type = (RaftControlRecordType)ControlRecords.ReadType(record.Key.Span);
            control = type == RaftControlRecordType.LeaderChange
                ? DecodeLeaderChange(record.Value)
                : new OpaqueControlRecord(type, record.Value.ToArray());
            timestamp = record.Timestamp;
        }
        return control is null
            ? throw new ProtocolException($"control batch at offset {header.BaseOffset} is empty")
            : new RaftLogBatch(header.BaseOffset, header.PartitionLeaderEpoch, timestamp, [], control);
    }

    /// <summary>Splits concatenated batches (a log read or a Fetch's records) and decodes each; a partial trailing batch is ignored, as Kafka's readers do.</summary>
    public static List<RaftLogBatch> DecodeAll(ReadOnlyMemory<byte> bytes)
    {
        var batches = new List<RaftLogBatch>();
        while (bytes.Length >= RecordBatchHeader.LogOverhead)
        {
            if (!RecordBatchHeader.TryRead(bytes.Span, out var header) || header.TotalSize > bytes.Length)
            {
                break;
            }
            if (header.TotalSize < RecordBatchHeader.Size)
            {
                throw new ProtocolException($"record batch of {header.TotalSize} bytes is shorter than its header");
            }
            batches.Add(Decode(bytes[..header.TotalSize]));
            bytes = bytes[header.TotalSize..];
        }
        return batches;
    }

    private static byte[] EncodeControlValue(RaftControlRecord control)
    {
        switch (control)
        {
            case LeaderChangeControlRecord leaderChange:
                using (var w = new ProtocolWriter(32))
                {
                    w.WriteInt16(0);
                    w.WriteInt32(leaderChange.LeaderId);
                    WriteVoters(w, leaderChange.Voters);
                    WriteVoters(w, leaderChange.GrantingVoters);
                    w.WriteUnsignedVarInt(0);
                    return w.WrittenSpan.ToArray();
                }
            case OpaqueControlRecord opaque:
                return opaque.Value.ToArray();
            default:
                throw new ArgumentException($"no encoding for control record {control.GetType().Name}", nameof(control));
        }
    }

    private static void WriteVoters(ProtocolWriter writer, IReadOnlyList<int> voters)
    {
        writer.WriteArrayLength(voters.Count, compact: true);
        foreach (var id in voters)
        {
            writer.WriteInt32(id);
            writer.WriteUnsignedVarInt(0);
        }
    }

    private static LeaderChangeControlRecord DecodeLeaderChange(ReadOnlyMemory<byte> value)
    {
        var r = new ProtocolReader(value);
        var version = r.ReadInt16();
        var leaderId = r.ReadInt32();
        var voters = ReadVoters(ref r, version);
        var granting = ReadVoters(ref r, version);
        return new LeaderChangeControlRecord(leaderId, voters, granting);
    }

    private static List<int> ReadVoters(ref ProtocolReader reader, short version)
    {
        var count = reader.ReadArrayLength(compact: true, nullable: false, minElementSize: 5);
        var voters = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            voters.Add(reader.ReadInt32());
            if (version >= 1)
            {
                reader.Skip(16); // VoterDirectoryId (KIP-853)
            }
            var tags = reader.ReadUnsignedVarInt();
            for (var t = 0; t < tags; t++)
            {
                reader.ReadTag();
                reader.Skip(reader.ReadTaggedFieldSize());
            }
        }
        return voters;
    }
}
