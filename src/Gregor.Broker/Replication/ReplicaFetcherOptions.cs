namespace Gregor.Broker.Replication;

/// <summary>
/// How followers fetch (Kafka's replica.fetch.* broker configs): bytes per partition
/// (<c>replica.fetch.max.bytes</c>, 1 MiB; the first batch comes whole even when larger) and per
/// response (<c>replica.fetch.response.max.bytes</c>, 10 MiB), how long and for how many bytes a
/// fetch waits at the leader (<c>replica.fetch.wait.max.ms</c> 500, <c>replica.fetch.min.bytes</c> 1),
/// the pause after a failed fetch or a partition error (<c>replica.fetch.backoff.ms</c>, 1 s), and
/// how long one fetch may take on the wire before the connection is dropped
/// (<c>replica.socket.timeout.ms</c>, 30 s in Kafka).
/// </summary>
public sealed record ReplicaFetcherOptions(
    int NodeId,
    int MaxBytesPerPartition = 1_048_576,
    int MaxResponseBytes = 10_485_760,
    int MaxWaitMs = 500,
    int MinBytes = 1,
    int BackoffMs = 1_000,
    int RequestTimeoutMs = 30_000);
