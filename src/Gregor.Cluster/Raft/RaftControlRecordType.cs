namespace Gregor.Cluster.Raft;

/// <summary>Kafka's <c>ControlRecordType</c> values used by KRaft.</summary>
public enum RaftControlRecordType : short
{
    LeaderChange = 2,
    SnapshotHeader = 3,
    SnapshotFooter = 4,
    KRaftVersion = 5,
    KRaftVoters = 6,
}
