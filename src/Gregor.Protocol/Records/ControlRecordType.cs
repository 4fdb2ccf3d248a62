namespace Gregor.Protocol.Records;

/// <summary>
/// The type in a control record's key (Kafka's <c>ControlRecordType</c>). Abort and Commit are
/// transaction markers; the others belong to KRaft's metadata log.
/// </summary>
public enum ControlRecordType : short
{
    Abort = 0,
    Commit = 1,
    LeaderChange = 2,
    SnapshotHeader = 3,
    SnapshotFooter = 4,
    KRaftVersion = 5,
    KRaftVoters = 6,
}
