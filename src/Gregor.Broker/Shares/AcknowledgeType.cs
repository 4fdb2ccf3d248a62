namespace Gregor.Broker.Shares;

/// <summary>
/// The acknowledgement types of ShareFetch / ShareAcknowledge (KIP-932, RENEW from KIP-1222),
/// with their wire values.
/// </summary>
public enum AcknowledgeType : byte
{
    /// <summary>The offset holds no record (compacted away, control record): archived.</summary>
    Gap = 0,

    /// <summary>Processed: the record is complete.</summary>
    Accept = 1,

    /// <summary>Give it back: available again, or archived at the delivery limit.</summary>
    Release = 2,

    /// <summary>Unprocessable: archived, never delivered again.</summary>
    Reject = 3,

    /// <summary>Still working on it: the lock starts again (share fetch/acknowledge v2).</summary>
    Renew = 4,
}
