namespace Gregor.Broker.Groups;

/// <summary>One key/value record of <c>__consumer_offsets</c>; a null value is a tombstone.</summary>
public readonly record struct GroupLogRecord(byte[] Key, byte[]? Value);
