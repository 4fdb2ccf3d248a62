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

    /// <summary>Every group key, in definition order.</summary>
    public static readonly IReadOnlyList<ConfigKey> All = [ShareAutoOffsetReset, ShareRecordLockDurationMs, ShareDeliveryCountLimit];

    public static ConfigKey? Find(string name) => All.FirstOrDefault(k => k.Name == name);
}
