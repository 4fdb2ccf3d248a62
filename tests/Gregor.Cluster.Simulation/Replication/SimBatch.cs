namespace Gregor.Cluster.Simulation.Replication;

/// <summary>
/// A record batch in a simulated partition log: written by <see cref="ProducerId"/> with
/// sequence numbers <see cref="BaseSequence"/>… (one record per sequence), in leader epoch
/// <see cref="Epoch"/>, at <see cref="BaseOffset"/>. Immutable, so replicas share instances.
/// </summary>
public sealed record SimBatch(long BaseOffset, int Epoch, int ProducerId, int BaseSequence, int Count)
{
    public long NextOffset => BaseOffset + Count;

    public int LastSequence => BaseSequence + Count - 1;

    /// <summary>What a record at <paramref name="offset"/> is, for comparing replicas: epoch, producer, sequence.</summary>
    public (int Epoch, int ProducerId, int Sequence) RecordAt(long offset) => (Epoch, ProducerId, BaseSequence + (int)(offset - BaseOffset));
}
