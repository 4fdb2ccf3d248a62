using System.Runtime.CompilerServices;
using Gregor.Broker.Coordinator;
using Gregor.Broker.Groups.Records;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>
/// The group coordinator's <see cref="ICoordinatorLog{TRecord}"/> on the broker: appends the coordinator's records to the
/// <c>__consumer_offsets</c> partitions through the <see cref="ReplicaManager"/> (one
/// uncompressed batch per append, as any producer's) and replays a partition by reading its log
/// from the start, 1 MiB of batches at a time. A partition this node does not host reads as
/// empty. Thread-safe (the ReplicaManager is).
/// </summary>
public sealed class ReplicaGroupLogStore(ReplicaManager replicas, TimeProvider time) : ICoordinatorLog<GroupLogRecord>
{
    private const int ReadChunkBytes = 1024 * 1024;

    public async ValueTask AppendAsync(int partition, IReadOnlyList<GroupLogRecord> records, CancellationToken cancellationToken)
    {
        var batch = GroupRecordBatchCodec.Encode(records, time.GetUtcNow().ToUnixTimeMilliseconds());
        var result = await replicas.AppendRecordsAsync(new TopicPartition(GroupCoordinatorOptions.OffsetsTopicName, partition), batch, cancellationToken).ConfigureAwait(false);
        if (result.Error != ErrorCode.None)
        {
            throw new GroupLogAppendException(result.Error, $"appending to {GroupCoordinatorOptions.OffsetsTopicName}-{partition} failed: {result.Error} {result.ErrorMessage}");
        }
    }

    public async IAsyncEnumerable<GroupLogRecord> ReadAllAsync(int partition, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (!replicas.TryGetPartition(new TopicPartition(GroupCoordinatorOptions.OffsetsTopicName, partition), out var hosted))
        {
            yield break;
        }
        var offset = hosted.LogStartOffset;
        var end = hosted.LogEndOffset;
        while (offset < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<GroupLogRecord> records;
            long next;
            using (var chunk = hosted.Log.Read(offset, ReadChunkBytes, end, minOneMessage: true))
            {
                if (chunk is null || chunk.Length == 0)
                {
                    yield break;
                }
                records = GroupRecordBatchCodec.Decode(chunk.Memory, out next);
            }
            if (next <= offset)
            {
                yield break;
            }
            foreach (var record in records)
            {
                yield return record;
            }
            offset = next;
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }
}
