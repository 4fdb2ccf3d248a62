namespace Gregor.Broker.Replication;

/// <summary>What the log remembers of one idempotent producer (DescribeProducers).</summary>
public readonly record struct ProducerStateEntry(long ProducerId, short ProducerEpoch, int LastSequence, long LastTimestamp);
