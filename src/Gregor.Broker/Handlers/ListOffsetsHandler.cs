using Gregor.Broker.Dispatch;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// ListOffsets (API 2), versions 0-11: earliest (-2), latest (-1), max timestamp (-3, v7+), earliest
/// local (-4, v8+), tiered lookups (-5 v9+, -6 v11+: nothing is tiered here), and by timestamp;
/// isolation level (v2+) and current leader epoch fencing (v4+). A special timestamp the request's
/// version may not use, or a negative one Kafka does not define, is UNSUPPORTED_VERSION for that
/// partition; a partition named twice is answered once with INVALID_REQUEST (both as Kafka). v0
/// answers with one old-style offset.
/// </summary>
public sealed class ListOffsetsHandler(ReplicaManager replicaManager) : ApiHandler<ListOffsetsRequest, ListOffsetsResponse>
{
    public override ApiKey ApiKey => ApiKey.ListOffsets;

    public override short MinVersion => 0;

    public override short MaxVersion => 11;

    protected override ValueTask<ListOffsetsResponse?> HandleAsync(RequestContext context, ListOffsetsRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        var isolation = request.IsolationLevel == 1 ? (byte)1 : (byte)0;
        var duplicates = Duplicates(request);
        var answered = duplicates is null ? null : new HashSet<TopicPartition>();
        var response = new ListOffsetsResponse();
        foreach (var topic in request.Topics)
        {
            var topicResponse = new ListOffsetsResponse.ListOffsetsTopicResponse { Name = topic.Name };
            foreach (var partition in topic.Partitions)
            {
                var topicPartition = new TopicPartition(topic.Name, partition.PartitionIndex);
                ListOffsetResult result;
                if (duplicates is not null && duplicates.Contains(topicPartition))
                {
                    // As Kafka: a partition asked for twice is answered once, with INVALID_REQUEST.
                    if (!answered!.Add(topicPartition))
                    {
                        continue;
                    }
                    result = ListOffsetResult.Failed(ErrorCode.InvalidRequest);
                }
                else if (version == 0 ? partition.Timestamp is < 0 and not (ListOffsetsTimestamps.Latest or ListOffsetsTimestamps.Earliest)
                    : ListOffsetsTimestamps.IsUnsupported(partition.Timestamp, version))
                {
                    result = ListOffsetResult.Failed(ErrorCode.UnsupportedVersion);
                }
                else
                {
                    result = replicaManager.ListOffset(topicPartition, partition.Timestamp, isolation, partition.CurrentLeaderEpoch);
                }
                var partitionResponse = new ListOffsetsResponse.ListOffsetsPartitionResponse
                {
                    PartitionIndex = partition.PartitionIndex,
                    ErrorCode = (short)result.Error,
                };
                // Each field only where the version carries it (the writer rejects the others).
                if (context.ApiVersion == 0)
                {
                    if (result.Offset >= 0)
                    {
                        partitionResponse.OldStyleOffsets.Add(result.Offset);
                    }
                }
                else
                {
                    partitionResponse.Offset = result.Offset;
                    partitionResponse.Timestamp = result.Timestamp;
                    if (context.ApiVersion >= 4)
                    {
                        partitionResponse.LeaderEpoch = result.LeaderEpoch;
                    }
                }
                topicResponse.Partitions.Add(partitionResponse);
            }
            response.Topics.Add(topicResponse);
        }
        return ValueTask.FromResult<ListOffsetsResponse?>(response);
    }

    /// <summary>The partitions named more than once (Kafka's ListOffsetsRequest.duplicatePartitions), or null when none is.</summary>
    private static HashSet<TopicPartition>? Duplicates(ListOffsetsRequest request)
    {
        HashSet<TopicPartition>? duplicates = null;
        var seen = new HashSet<TopicPartition>();
        foreach (var topic in request.Topics)
        {
            foreach (var partition in topic.Partitions)
            {
                var topicPartition = new TopicPartition(topic.Name, partition.PartitionIndex);
                if (!seen.Add(topicPartition))
                {
                    (duplicates ??= []).Add(topicPartition);
                }
            }
        }
        return duplicates;
    }
}
