using Gregor.Cluster.Raft;

namespace Gregor.Broker.Quorum;

/// <summary>
/// A control record the Raft core has no type for (KRaftVersion, KRaftVoters, SnapshotHeader/Footer
/// found in the log): kept as its value bytes so it is stored and replicated unchanged.
/// </summary>
public sealed record OpaqueControlRecord(RaftControlRecordType ControlType, ReadOnlyMemory<byte> Value) : RaftControlRecord
{
    public override RaftControlRecordType Type => ControlType;
}
