namespace Gregor.Cluster.Controller.Core;

/// <summary>A broker replicas may be placed on (Kafka's UsableBroker): its id and rack (null = no rack).</summary>
public readonly record struct UsableBroker(int Id, string? Rack);
