using static Gregor.Cluster.Configs.ConfigImportance;
using static Gregor.Cluster.Configs.ConfigScope;
using static Gregor.Cluster.Configs.ConfigType;
using V = Gregor.Cluster.Configs.ConfigValidator;

namespace Gregor.Cluster.Configs;

/// <summary>
/// The GROUP-resource keys of share groups (Kafka 4.2's GroupConfig, set with
/// IncrementalAlterConfigs on resource type 32): each overrides, for one group, the broker key
/// named as its synonym. Defaults are Kafka's.
/// </summary>
public static class GroupConfigKeys
{
    public static readonly ConfigKey ShareAutoOffsetReset = new("share.auto.offset.reset", ConfigType.String, "latest", V.OneOf("latest", "earliest"), Medium, Group,
        "Where a share partition starts when the group first consumes it: the log end (latest) or the log start (earliest).");
    public static readonly ConfigKey ShareRecordLockDurationMs = new("share.record.lock.duration.ms", Int, "30000", V.AtLeast(1000), Medium, Group,
        "How long a record acquired by a member of this group stays locked to it.")
    { BrokerSynonym = "group.share.record.lock.duration.ms" };
    public static readonly ConfigKey ShareDeliveryCountLimit = new("share.delivery.count.limit", Int, "5", V.AtLeast(2), Medium, Group,
        "Deliveries after which a released or expired record of this group is archived.")
    { BrokerSynonym = "group.share.delivery.count.limit" };

    // Gregor's retry backoff for share groups (off by default: Kafka's behaviour).
    public static readonly ConfigKey GregorShareRetryBackoffMs = new("gregor.share.retry.backoff.ms", Long, "0", V.AtLeast(0), Medium, Group,
        "Gregor extension: a RELEASEd record is not delivered again before base · multiplier^(delivery count − 1) ms (capped, with jitter) have passed. 0 turns retry backoff off.");
    public static readonly ConfigKey GregorShareRetryBackoffMaxMs = new("gregor.share.retry.backoff.max.ms", Long, "60000", V.AtLeast(0), Medium, Group,
        "Gregor extension: the largest retry backoff.");
    public static readonly ConfigKey GregorShareRetryBackoffMultiplier = new("gregor.share.retry.backoff.multiplier", ConfigType.Double, "2.0", V.Between(1.0, 100.0), Medium, Group,
        "Gregor extension: the growth of the retry backoff per delivery.");
    public static readonly ConfigKey GregorShareRetryBackoffJitter = new("gregor.share.retry.backoff.jitter", ConfigType.Double, "0.0", V.Between(0.0, 1.0), Medium, Group,
        "Gregor extension: the relative jitter of the retry backoff (0.2 = ±20 %).");
    public static readonly ConfigKey GregorShareRetryBackoffOnLockTimeout = new("gregor.share.retry.backoff.on.lock.timeout", ConfigType.Boolean, "false", V.Any, Medium, Group,
        "Gregor extension: whether a record whose acquisition lock expired is backed off like a RELEASEd one.");

    /// <summary>Every group key, in definition order.</summary>
    public static readonly IReadOnlyList<ConfigKey> All =
    [
        ShareAutoOffsetReset, ShareRecordLockDurationMs, ShareDeliveryCountLimit,
        GregorShareRetryBackoffMs, GregorShareRetryBackoffMaxMs, GregorShareRetryBackoffMultiplier, GregorShareRetryBackoffJitter,
        GregorShareRetryBackoffOnLockTimeout,
    ];

    public static ConfigKey? Find(string name) => All.FirstOrDefault(k => k.Name == name);
}
