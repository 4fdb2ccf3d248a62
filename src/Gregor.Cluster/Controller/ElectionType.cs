namespace Gregor.Cluster.Controller;

/// <summary>ElectLeaders' ElectionType (Kafka's org.apache.kafka.common.ElectionType).</summary>
public enum ElectionType : byte
{
    /// <summary>Make the first replica (the preferred one) the leader, if it is in the ISR and alive.</summary>
    Preferred = 0,

    /// <summary>Elect a leader only for partitions without one; falls back to any live replica (may lose data).</summary>
    Unclean = 1,
}
