using System.Text;
using Gregor.Broker.Traffic;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Records;

namespace Gregor.WebConsole;

/// <summary>
/// The console's message browser and test producer over the local replicas. Reading goes
/// through <see cref="Partition.Read"/> as a consumer's fetch would (whole batches below the high
/// watermark, decompressed with the protocol library's bounded codecs), at most
/// <see cref="MaxRecords"/> records and <see cref="MaxReadBytes"/> of batches per call. Keys,
/// values and header values are returned as base64: the page decides how to show them (UTF-8,
/// pretty JSON or hex). Producing builds one uncompressed batch and appends it with acks=all,
/// counted as client id <see cref="ClientId"/>. Stateless; thread-safe.
/// </summary>
internal sealed class MessageBrowser(ReplicaManager replicas, ProduceTrafficTracker traffic)
{
    public const int MaxRecords = 200;
    public const int MaxReadBytes = 4 << 20;
    public const string ClientId = "gregor-console";

    public (ErrorCode Error, string? Message, object? Page) Read(string topic, int partitionIndex, long? offset, long? timestamp, int limit)
    {
        var tp = new TopicPartition(topic, partitionIndex);
        if (!replicas.TryGetPartition(tp, out var partition))
        {
            return (replicas.PartitionError(tp), $"partition {partitionIndex} of topic '{topic}' is not hosted here", null);
        }
        limit = Math.Clamp(limit, 1, MaxRecords);
        var logStart = partition.LogStartOffset;
        var highWatermark = partition.HighWatermark;
        long start;
        if (timestamp is { } ts)
        {
            var found = replicas.ListOffset(tp, ts, isolationLevel: 0, currentLeaderEpoch: -1);
            if (found.Error != ErrorCode.None)
            {
                return (found.Error, $"cannot look up timestamp {ts} in {tp}", null);
            }
            start = found.Offset < 0 ? highWatermark : found.Offset;
        }
        else
        {
            start = offset ?? Math.Max(logStart, highWatermark - limit);
        }
        start = Math.Clamp(start, logStart, highWatermark);

        var records = new List<object>();
        var position = start;
        var bytesRead = 0;
        while (records.Count < limit && position < highWatermark && bytesRead < MaxReadBytes)
        {
            var fetched = partition.Read(position, Math.Min(1 << 20, MaxReadBytes - bytesRead), minOneMessage: true);
            if (fetched is null)
            {
                break;
            }
            byte[] bytes;
            try
            {
                bytes = new byte[fetched.Length];
                fetched.ReadAt(0, bytes);
            }
            finally
            {
                fetched.Release();
            }
            bytesRead += bytes.Length;
            var next = position;
            foreach (var batch in new RecordBatchIterator(bytes, verifyCrc: false))
            {
                next = Math.Max(next, batch.Header.LastOffset + 1);
                if (batch.Header.IsControl)
                {
                    continue;
                }
                using var opened = batch.OpenRecords();
                foreach (var record in opened)
                {
                    if (record.Offset < position || records.Count >= limit)
                    {
                        continue;
                    }
                    records.Add(Describe(record, batch.Header));
                }
            }
            if (next <= position)
            {
                break; // nothing advanced (should not happen): stop rather than loop
            }
            position = next;
        }
        return (ErrorCode.None, null, new
        {
            topic,
            partition = partitionIndex,
            logStartOffset = logStart,
            highWatermark,
            startOffset = start,
            nextOffset = records.Count > 0 ? position : start,
            records,
        });
    }

    public async Task<(ErrorCode Error, string? Message, long Offset)> ProduceAsync(
        string topic, int partitionIndex, byte[]? key, byte[]? value, IReadOnlyList<(string Key, byte[]? Value)> headers, CancellationToken cancellationToken)
    {
        using var builder = new RecordBatchBuilder();
        var encodedHeaders = headers.Select(h => RecordHeader.Create(h.Key, h.Value)).ToArray();
        builder.Append(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), key, value, encodedHeaders);
        var batch = builder.ToArray();
        var result = await replicas.AppendRecordsAsync(new TopicPartition(topic, partitionIndex), batch, requiredAcks: -1, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        if (result.Error == ErrorCode.None)
        {
            traffic.Record(ClientId, topic, batch);
        }
        return (result.Error, result.ErrorMessage, result.BaseOffset);
    }

    private static object Describe(in Record record, RecordBatchHeader header)
    {
        var headers = new List<object>();
        foreach (var h in record.Headers)
        {
            headers.Add(new { key = Encoding.UTF8.GetString(h.Key.Span), value = h.IsValueNull ? null : Convert.ToBase64String(h.Value.Span) });
        }
        return new
        {
            offset = record.Offset,
            timestamp = record.Timestamp,
            timestampType = header.IsLogAppendTime ? "LogAppendTime" : "CreateTime",
            key = record.IsKeyNull ? null : Convert.ToBase64String(record.Key.Span),
            value = record.IsValueNull ? null : Convert.ToBase64String(record.Value.Span),
            headers,
            sizeBytes = record.SizeInBytes,
        };
    }
}
