namespace Gregor.Broker.Shares;

/// <summary>
/// Consecutive offsets with one delivery state and count: the StateBatch of Kafka's
/// ShareSnapshot / ShareUpdate records and of Read/WriteShareGroupState. Offsets are inclusive.
/// </summary>
public readonly record struct PersistedStateBatch(long FirstOffset, long LastOffset, RecordState DeliveryState, short DeliveryCount);
