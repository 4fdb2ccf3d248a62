namespace Gregor.Cluster.Partitions;

/// <summary>The special timestamps of a ListOffsets request (Kafka's ListOffsetsRequest constants).</summary>
public static class ListOffsetsTimestamps
{
    public const long Latest = -1;
    public const long Earliest = -2;
    public const long MaxTimestamp = -3;
    public const long EarliestLocal = -4;
    public const long LatestTiered = -5;
}
