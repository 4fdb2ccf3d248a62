namespace Gregor.Compatibility.Tests.Share;

/// <summary>One message a share poll returned, copied out of librdkafka (Err non-zero for a record-level error).</summary>
internal sealed record ShareRecord(string Topic, int Partition, long Offset, string? Value, short DeliveryCount, int Err);
