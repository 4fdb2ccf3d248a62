namespace Gregor.Capture.Mock;

/// <summary>
/// A consumer group of the mock broker: members, generation, the leader's assignment and
/// committed offsets. No timeouts or real rebalancing: enough for one client at a time to
/// walk through join, sync, heartbeat, commit, fetch offsets and leave. Guarded by the
/// owning <see cref="MockBroker"/>'s lock.
/// </summary>
internal sealed class MockGroup
{
    public int Generation { get; set; }

    public string? ProtocolType { get; set; }

    public string? ProtocolName { get; set; }

    public string? Leader { get; set; }

    public Dictionary<string, byte[]> MemberMetadata { get; } = [];

    public Dictionary<string, byte[]> Assignments { get; } = [];

    public Dictionary<(string Topic, int Partition), (long Offset, string? Metadata)> Offsets { get; } = [];
}
