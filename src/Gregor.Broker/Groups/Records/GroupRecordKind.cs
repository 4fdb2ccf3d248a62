namespace Gregor.Broker.Groups.Records;

/// <summary>What a <c>__consumer_offsets</c> record is about, from its key version.</summary>
public enum GroupRecordKind
{
    /// <summary>A key version Gregor does not use (KIP-848 or share-group records): skipped on load.</summary>
    Other,
    OffsetCommit,
    GroupMetadata,
}
