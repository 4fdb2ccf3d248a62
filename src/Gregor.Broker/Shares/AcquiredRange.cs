namespace Gregor.Broker.Shares;

/// <summary>
/// Consecutive offsets one acquisition handed to a member, all with the same delivery count
/// (ShareFetch's AcquiredRecords entry). Offsets are inclusive, as on the wire.
/// </summary>
public readonly record struct AcquiredRange(long FirstOffset, long LastOffset, short DeliveryCount);
