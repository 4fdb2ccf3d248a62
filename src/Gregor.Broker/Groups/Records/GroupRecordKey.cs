using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Broker.Groups.Records;

/// <summary>
/// A decoded <c>__consumer_offsets</c> key. The leading int16 says which record it is:
/// 0 and 1 are offset commits, 2 is classic group metadata, 3+ are the newer coordinator
/// records (KIP-848, share groups) that the classic coordinator skips when it loads.
/// </summary>
public readonly record struct GroupRecordKey(GroupRecordKind Kind, OffsetCommitKey? Offset, GroupMetadataKey? Group)
{
    public static GroupRecordKey Read(ReadOnlyMemory<byte> bytes)
    {
        var reader = new ProtocolReader(bytes);
        var version = reader.ReadInt16();
        return version switch
        {
            0 or 1 => new GroupRecordKey(GroupRecordKind.OffsetCommit, OffsetCommitKey.ReadBody(ref reader), null),
            2 => new GroupRecordKey(GroupRecordKind.GroupMetadata, null, GroupMetadataKey.ReadBody(ref reader)),
            >= 3 => new GroupRecordKey(GroupRecordKind.Other, null, null),
            _ => throw new ProtocolException($"__consumer_offsets key version {version} is negative"),
        };
    }
}
