namespace Gregor.Cluster.Raft;

/// <summary>
/// The durable election state (Kafka's <c>quorum-state</c> file). <see cref="Write"/> returns only
/// once the state is durable (write temp file, fsync, rename, fsync dir): the core sends the reply
/// that depends on a vote or an epoch only after it returns. Small and rare, so synchronous.
/// </summary>
public interface IQuorumStateStore
{
    /// <summary>The last state written, or null if never written (a freshly formatted node).</summary>
    QuorumStateData? Read();

    void Write(QuorumStateData state);
}
