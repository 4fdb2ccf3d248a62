using System.Buffers.Binary;
using Gregor.Protocol;
using Gregor.Protocol.Primitives;
using Gregor.Protocol.Records;
using Gregor.Storage.Segments;

namespace Gregor.Broker.Quorum;

/// <summary>
/// The bootstrap snapshot of KIP-853, written by <c>gregor storage format --standalone</c> /
/// <c>--initial-controllers</c> in Kafka's layout:
/// <c>&lt;metadata dir&gt;/__cluster_metadata-0/00000000000000000000-0000000000.checkpoint</c>, a
/// snapshot at offset 0 epoch 0 made of control batches:
/// <code>
/// offset 0      SnapshotHeaderRecord   (version 0, lastContainedLogTimestamp)
/// offsets 1..2  KRaftVersionRecord     (kraft.version 1)
///               VotersRecord           (each voter: id, directory id, controller endpoint, kraft.version 0..1)
/// offset 3      SnapshotFooterRecord
/// </code>
/// Each control record's key is (int16 version 0, int16 type), its value the flexible message.
/// The Raft log reads the voter set from it on a node started with
/// <c>controller.quorum.bootstrap.servers</c> instead of static voters. Stateless.
/// </summary>
public static class BootstrapCheckpoint
{
    public const string FileName = "00000000000000000000-0000000000.checkpoint";

    public static string PathIn(string metadataPartitionDirectory) => Path.Combine(metadataPartitionDirectory, FileName);

    /// <summary>Writes the checkpoint durably into <paramref name="metadataPartitionDirectory"/> (created if needed).</summary>
    public static void Write(string metadataPartitionDirectory, IReadOnlyList<BootstrapVoter> voters, long timestampMs)
    {
        Directory.CreateDirectory(metadataPartitionDirectory);
        using var file = new ProtocolWriter(512);
        file.WriteRaw(ControlBatch(0, timestampMs, [(ControlRecordType.SnapshotHeader, SnapshotHeader(timestampMs))]));
        file.WriteRaw(ControlBatch(1, timestampMs,
        [
            (ControlRecordType.KRaftVersion, KRaftVersion(1)),
            (ControlRecordType.KRaftVoters, Voters(voters)),
        ]));
        file.WriteRaw(ControlBatch(3, timestampMs, [(ControlRecordType.SnapshotFooter, SnapshotFooter())]));
        DurableFile.WriteAllBytes(PathIn(metadataPartitionDirectory), file.WrittenSpan);
    }

    /// <summary>
    /// The voter set in the checkpoint, or null when there is none. Throws
    /// <see cref="ProtocolException"/> (or <see cref="InvalidDataException"/>) for a damaged file.
    /// </summary>
    public static IReadOnlyList<BootstrapVoter>? TryReadVoters(string metadataPartitionDirectory)
    {
        var path = PathIn(metadataPartitionDirectory);
        if (!File.Exists(path))
        {
            return null;
        }
        var bytes = File.ReadAllBytes(path);
        foreach (var batch in new RecordBatchIterator(bytes))
        {
            if (!batch.Header.IsControl)
            {
                continue;
            }
            foreach (var record in batch)
            {
                if (ControlRecords.ReadType(record.Key.Span) == ControlRecordType.KRaftVoters)
                {
                    return ReadVoters(record.Value);
                }
            }
        }
        throw new InvalidDataException($"{path} holds no VotersRecord");
    }

    private static byte[] ControlBatch(long baseOffset, long timestampMs, IReadOnlyList<(ControlRecordType Type, byte[] Value)> records)
    {
        using var builder = new RecordBatchBuilder { BaseOffset = baseOffset, PartitionLeaderEpoch = 0, IsControl = true };
        var key = new byte[ControlRecords.KeySize];
        foreach (var (type, value) in records)
        {
            ControlRecords.WriteKey(key, type);
            builder.Append(timestampMs, (byte[])key.Clone(), value);
        }
        return builder.ToArray();
    }

    private static byte[] SnapshotHeader(long timestampMs)
    {
        using var w = new ProtocolWriter(16);
        w.WriteInt16(0);
        w.WriteInt64(timestampMs);
        w.WriteUnsignedVarInt(0);
        return w.WrittenSpan.ToArray();
    }

    private static byte[] SnapshotFooter()
    {
        using var w = new ProtocolWriter(4);
        w.WriteInt16(0);
        w.WriteUnsignedVarInt(0);
        return w.WrittenSpan.ToArray();
    }

    private static byte[] KRaftVersion(short version)
    {
        using var w = new ProtocolWriter(8);
        w.WriteInt16(0);
        w.WriteInt16(version);
        w.WriteUnsignedVarInt(0);
        return w.WrittenSpan.ToArray();
    }

    private static byte[] Voters(IReadOnlyList<BootstrapVoter> voters)
    {
        using var w = new ProtocolWriter(64 * voters.Count);
        w.WriteInt16(0); // VotersRecord version
        w.WriteArrayLength(voters.Count, compact: true);
        foreach (var voter in voters)
        {
            KafkaUuid.TryParse(voter.DirectoryId, out var directoryId);
            w.WriteInt32(voter.Id);
            w.WriteUuid(directoryId);
            w.WriteArrayLength(1, compact: true);
            w.WriteString(voter.ListenerName, compact: true);
            w.WriteString(voter.Host, compact: true);
            w.WriteUInt16((ushort)voter.Port);
            w.WriteUnsignedVarInt(0); // endpoint tagged fields
            w.WriteInt16(0); // KRaftVersionFeature.MinSupportedVersion
            w.WriteInt16(1); // KRaftVersionFeature.MaxSupportedVersion
            w.WriteUnsignedVarInt(0); // feature tagged fields
            w.WriteUnsignedVarInt(0); // voter tagged fields
        }
        w.WriteUnsignedVarInt(0);
        return w.WrittenSpan.ToArray();
    }

    private static List<BootstrapVoter> ReadVoters(ReadOnlyMemory<byte> value)
    {
        var r = new ProtocolReader(value);
        r.ReadInt16();
        var count = r.ReadArrayLength(compact: true, nullable: false);
        var voters = new List<BootstrapVoter>(count);
        for (var i = 0; i < count; i++)
        {
            var id = r.ReadInt32();
            var directoryId = KafkaUuid.ToText(r.ReadUuid());
            var endpoints = r.ReadArrayLength(compact: true, nullable: false);
            string name = "", host = "";
            var port = 0;
            for (var e = 0; e < endpoints; e++)
            {
                var endpointName = r.ReadString(compact: true, nullable: false)!;
                var endpointHost = r.ReadString(compact: true, nullable: false)!;
                var endpointPort = BinaryPrimitives.ReadUInt16BigEndian(r.ReadMemory(2).Span);
                SkipTaggedFields(ref r);
                if (e == 0)
                {
                    (name, host, port) = (endpointName, endpointHost, endpointPort);
                }
            }
            r.ReadInt16();
            r.ReadInt16();
            SkipTaggedFields(ref r);
            SkipTaggedFields(ref r);
            voters.Add(new BootstrapVoter(id, directoryId, name, host, port));
        }
        return voters;
    }

    private static void SkipTaggedFields(ref ProtocolReader reader)
    {
        var count = reader.ReadUnsignedVarInt();
        for (var i = 0; i < count; i++)
        {
            reader.ReadTag();
            reader.Skip(reader.ReadTaggedFieldSize());
        }
    }
}
