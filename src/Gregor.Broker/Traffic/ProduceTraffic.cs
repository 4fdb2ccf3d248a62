namespace Gregor.Broker.Traffic;

/// <summary>
/// What one producer (by client id; "" when the client sent none) appended to one topic since the
/// broker started: cumulative counts, so a reader derives rates from two snapshots.
/// </summary>
public sealed record ProduceTraffic(string ClientId, string Topic, long Records, long Bytes, long LastProduceUnixMs);
