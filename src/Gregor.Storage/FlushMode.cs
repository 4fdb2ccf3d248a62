namespace Gregor.Storage;

/// <summary>When an append counts as done with respect to the disk.</summary>
public enum FlushMode
{
    /// <summary>Kafka's default: written to the page cache, fsync left to the OS and to roll/close.</summary>
    PageCache,

    /// <summary>Kafka's flush.messages / flush.ms: fsync after that many messages or that much time.</summary>
    Interval,

    /// <summary>An append completes only after an fsync that covers it; concurrent appenders share one fsync.</summary>
    GroupCommit,
}
