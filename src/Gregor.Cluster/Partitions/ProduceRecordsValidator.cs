using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// The one validation step of a produce partition, the way Kafka's ProduceRequest.validateRecords
/// and LogValidator check it: exactly one magic-v2 batch (Produce v3+, INVALID_RECORD otherwise),
/// then <see cref="RecordBatchValidator"/> with the partition's <see cref="ProduceLimits"/>:
/// max.message.bytes (MESSAGE_TOO_LARGE), a malformed or truncated header or CRC32C mismatch
/// (CORRUPT_MESSAGE), record count vs offset delta and control batches (INVALID_RECORD), and for
/// CreateTime topics the timestamps within message.timestamp.before/after.max.ms of the broker
/// clock (INVALID_TIMESTAMP). On compacted topics the replica manager runs
/// <see cref="CompactedTopicKeyCheck"/> right after it (the one rule that needs the records, and
/// per-record errors this step does not carry). The <see cref="ValidatedBatch"/> it returns is what the append consumes:
/// nothing after this step parses the header again.
/// </summary>
public static class ProduceRecordsValidator
{
    public static (ErrorCode Error, string? Message) Validate(ReadOnlySpan<byte> records, ProduceLimits limits, long nowMs, out ValidatedBatch batch)
    {
        if (records.IsEmpty)
        {
            batch = default;
            return (ErrorCode.InvalidRecord, "produce requests must carry exactly one record batch; got none");
        }
        var rules = new RecordBatchRules(
            limits.MaxMessageBytes,
            AsLeader: true,
            AllowControl: false,
            TimestampNowMs: limits.LogAppendTime ? null : nowMs,
            limits.TimestampBeforeMaxMs,
            limits.TimestampAfterMaxMs);
        var defect = RecordBatchValidator.Validate(records, rules, out batch, out var message);
        if (defect != RecordBatchDefect.None)
        {
            return (RecordBatchValidator.ErrorCodeOf(defect), message);
        }
        if (batch.Size != records.Length)
        {
            batch = default;
            return (ErrorCode.InvalidRecord, "produce requests must carry exactly one record batch; got more");
        }
        return (ErrorCode.None, null);
    }
}
