namespace Gregor.Broker.Shares;

/// <summary>
/// The settings of one share partition, resolved from the group configs and broker defaults
/// (Kafka's <c>share.record.lock.duration.ms</c>, <c>share.delivery.count.limit</c>,
/// <c>share.partition.max.record.locks</c>) and Gregor's retry backoff extension
/// (<c>gregor.share.retry.backoff.*</c>; base 0 = off, Kafka's behaviour). Immutable.
/// </summary>
public sealed record SharePartitionOptions
{
    /// <summary>How long an acquired record stays locked to its member (Kafka default 30 s).</summary>
    public long RecordLockDurationMs { get; init; } = 30_000;

    /// <summary>Deliveries after which a released or expired record is archived (Kafka default 5).</summary>
    public int DeliveryCountLimit { get; init; } = 5;

    /// <summary>The largest in-flight window SPEO − SPSO (Kafka default 2000): bounds memory and locks.</summary>
    public int MaxRecordLocks { get; init; } = 2000;

    /// <summary>First redelivery delay after a RELEASE; 0 turns retry backoff off.</summary>
    public long RetryBackoffMs { get; init; }

    /// <summary>Upper bound of the backoff delay.</summary>
    public long RetryBackoffMaxMs { get; init; } = 60_000;

    /// <summary>Growth of the delay per delivery: base · multiplier^(count − 1).</summary>
    public double RetryBackoffMultiplier { get; init; } = 2.0;

    /// <summary>Relative jitter in [0, 1]: the delay is scaled by a factor in [1 − jitter, 1 + jitter].</summary>
    public double RetryBackoffJitter { get; init; }

    /// <summary>Whether a lock expiry is backed off like a RELEASE.</summary>
    public bool RetryBackoffOnLockTimeout { get; init; }

    /// <summary>
    /// The backoff delay before delivery <paramref name="deliveryCount"/> + 1 with
    /// <paramref name="unitRandom"/> in [0, 1) drawing the jitter; 0 when backoff is off.
    /// </summary>
    public long BackoffDelayMs(int deliveryCount, double unitRandom)
    {
        if (RetryBackoffMs <= 0)
        {
            return 0;
        }
        var exponent = Math.Max(0, deliveryCount - 1);
        var raw = RetryBackoffMs * Math.Pow(RetryBackoffMultiplier, exponent);
        var capped = Math.Min(raw, RetryBackoffMaxMs);
        var factor = 1.0 + (RetryBackoffJitter * ((2.0 * unitRandom) - 1.0));
        return (long)Math.Max(0, Math.Round(capped * factor));
    }
}
