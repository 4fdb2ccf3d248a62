namespace Gregor.Protocol.Records;

/// <summary>Bit 3 of a batch's attributes: whose clock the record timestamps are.</summary>
public enum TimestampType
{
    /// <summary>Set by the producer; each record carries its own timestamp delta.</summary>
    CreateTime = 0,

    /// <summary>Set by the broker on append; every record's timestamp is the batch's maxTimestamp.</summary>
    LogAppendTime = 1,
}
