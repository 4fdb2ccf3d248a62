namespace Gregor.Cluster.Partitions;

/// <summary>The special timestamps of a ListOffsets request (Kafka's ListOffsetsRequest constants).</summary>
public static class ListOffsetsTimestamps
{
    public const long Latest = -1;
    public const long Earliest = -2;
    public const long MaxTimestamp = -3;
    public const long EarliestLocal = -4;
    public const long LatestTiered = -5;
    public const long EarliestPendingUpload = -6;

    /// <summary>
    /// The first ListOffsets version that may ask for special timestamp <paramref name="timestamp"/>,
    /// or null for a negative value Kafka does not define (Kafka's ReplicaManager
    /// timestampMinSupportedVersion: older versions and unknown specs get UNSUPPORTED_VERSION).
    /// </summary>
    public static short? MinVersion(long timestamp) => timestamp switch
    {
        Latest or Earliest => 1,
        MaxTimestamp => 7,
        EarliestLocal => 8,
        LatestTiered => 9,
        EarliestPendingUpload => 11,
        _ => null,
    };

    /// <summary>Kafka's isListOffsetsTimestampUnsupported: a negative timestamp this version may not ask for.</summary>
    public static bool IsUnsupported(long timestamp, short version) =>
        timestamp < 0 && (MinVersion(timestamp) is not { } min || version < min);
}
