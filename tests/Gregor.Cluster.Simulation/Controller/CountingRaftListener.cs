using Gregor.Cluster.Raft;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// Registers <paramref name="inner"/> with the replica in its place and passes every callback on
/// unchanged, calling <paramref name="onLoadSnapshot"/> first for each snapshot load (how the
/// simulation counts the loads of the metadata loader and the controller core).
/// </summary>
public sealed class CountingRaftListener(IRaftListener inner, Action onLoadSnapshot) : IRaftListener
{
    public void HandleCommit(RaftBatch batch) => inner.HandleCommit(batch);

    public void HandleLoadSnapshot(RaftSnapshot snapshot)
    {
        onLoadSnapshot();
        inner.HandleLoadSnapshot(snapshot);
    }

    public void HandleLeaderChange(LeaderAndEpoch leader) => inner.HandleLeaderChange(leader);
}
