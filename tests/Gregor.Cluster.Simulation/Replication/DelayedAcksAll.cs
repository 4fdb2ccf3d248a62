using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Simulation.Replication;

/// <summary>An acks=all produce appended at <see cref="BaseOffset"/> and waiting for the HWM to reach <see cref="RequiredOffset"/> (Kafka's DelayedProduce).</summary>
public sealed record DelayedAcksAll(long BaseOffset, long RequiredOffset, long DeadlineMs, Action<ErrorCode, long> Reply);
