using Gregor.Protocol;
using Gregor.Protocol.Compression;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// Kafka's LogValidator.validateKey: a topic whose cleanup.policy contains <c>compact</c> refuses
/// every record without a key (INVALID_RECORD), because compaction keeps the last record per key
/// and a keyless record could never be compacted. The whole batch is refused and each keyless
/// record is reported by its index in the batch (Produce v8+ RecordErrors), with Kafka's messages.
/// <para>
/// Runs only for compacted topics, after <see cref="ProduceRecordsValidator"/> (CRC already
/// checked). It is the one produce check that reads every record: uncompressed batches are walked
/// in place; compressed ones are decompressed into a pooled buffer of at most the given bound
/// (64 MiB by default; Kafka's broker decompresses such batches to validate them too). A batch
/// whose records do not parse is CORRUPT_MESSAGE. Nothing is allocated when every record has a
/// key. Stateless and thread-safe.
/// </para>
/// </summary>
public static class CompactedTopicKeyCheck
{
    /// <summary>Kafka shows at most this many record errors in the partition's error message.</summary>
    private const int ErrorsInMessage = 3;

    /// <summary>None when every record of <paramref name="records"/> has a key; otherwise the error, Kafka's message and the offending records.</summary>
    public static (ErrorCode Error, string? Message, IReadOnlyList<ProduceRecordError>? RecordErrors) Check(
        ReadOnlyMemory<byte> records,
        TopicPartition topicPartition,
        int maxDecompressedBytes = CompressionCodecs.DefaultMaxDecompressedBytes)
    {
        List<ProduceRecordError>? errors = null;
        try
        {
            var batchIndex = 0;
            foreach (var batch in new RecordBatchIterator(records, verifyCrc: false))
            {
                using var opened = batch.OpenRecords(maxDecompressedBytes);
                foreach (var record in opened)
                {
                    if (record.IsKeyNull)
                    {
                        (errors ??= []).Add(new ProduceRecordError(
                            batchIndex,
                            $"Compacted topic cannot accept message without key in topic partition {topicPartition}."));
                    }
                    batchIndex++;
                }
            }
        }
        catch (ProtocolException e)
        {
            return (ErrorCode.CorruptMessage, $"records of {topicPartition} do not parse: {e.Message}", null);
        }
        if (errors is null)
        {
            return (ErrorCode.None, null, null);
        }
        var shown = string.Join(", ", errors.Take(ErrorsInMessage).Select(e => $"RecordError(batchIndex={e.BatchIndex}, message='{e.Message}')"));
        return (
            ErrorCode.InvalidRecord,
            $"One or more records have been rejected due to {errors.Count} record errors in total, and only showing the first three errors at most: [{shown}]",
            errors);
    }
}
