using Gregor.Broker.Dispatch;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Partitions;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// Fetch (API 1), versions 4-18: consumer fetches with long poll (min bytes / max wait woken by
/// appends), per-partition and response byte limits (KIP-74), KIP-227 incremental sessions and
/// topic ids (v13+). Versions 0-3 are not offered: their clients expect message format v0/v1.
/// Follower fetches (replica id ≥ 0, from ReplicaState in v15+) read up to the log end, report the
/// follower's position to the partition's replication state and may answer a DivergingEpoch (v12+).
/// NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH carry the current leader (v12+) and, from v16,
/// its endpoint (KIP-951), so clients move without a metadata round trip.
/// Record bytes are whole stored batches as pinned file ranges (see <see cref="FetchedRecords"/>):
/// the response frame reads them straight into the transport pipe and releases them once written.
/// </summary>
public sealed class FetchHandler(ReplicaManager replicaManager, IMetadataPublisher metadata, QuorumNode quorum, Config.BrokerConfig config) : ApiHandler<FetchRequest, FetchResponse>
{
    public override ApiKey ApiKey => ApiKey.Fetch;

    public override short MinVersion => 4;

    public override short MaxVersion => 18;

    private static bool IsMetadataFetch(FetchRequest request) =>
        request.Topics.Any(t => t.TopicId == RaftWire.MetadataTopicId || t.Topic == RaftWire.MetadataTopic);

    protected override async ValueTask<FetchResponse?> HandleAsync(RequestContext context, FetchRequest request, CancellationToken cancellationToken)
    {
        var version = context.ApiVersion;
        if (quorum.IsQuorum && IsMetadataFetch(request))
        {
            // A voter or observer replicating __cluster_metadata (KIP-595): the Raft replica answers.
            if (RaftRequestGate.Refuse(quorum, request.ClusterId) is { } refused)
            {
                return new FetchResponse { ErrorCode = (short)refused };
            }
            var raft = RaftWire.FromWire(request, version);
            var answer = await quorum.Driver!.HandleRequestAsync(raft.ReplicaId, raft, cancellationToken).ConfigureAwait(false);
            return answer is Gregor.Cluster.Raft.Messages.RaftFetchResponse fetch ? RaftWire.ToWire(fetch) : new FetchResponse { ErrorCode = (short)answer.Error };
        }
        if (config.IsControllerListenerName(context.Connection.ListenerName))
        {
            // A controller listener serves the metadata partition only (Kafka's KafkaRaftClient: INVALID_REQUEST).
            return new FetchResponse { ErrorCode = (short)Gregor.Protocol.Errors.ErrorCode.InvalidRequest };
        }
        var usesTopicIds = version >= 13;
        var image = metadata.Current;
        var partitions = new List<FetchPartitionSpec>();
        foreach (var topic in request.Topics)
        {
            var topicId = usesTopicIds ? topic.TopicId : Guid.Empty;
            var name = usesTopicIds ? image.TopicsById.GetValueOrDefault(topic.TopicId)?.Name : topic.Topic;
            foreach (var partition in topic.Partitions)
            {
                partitions.Add(new FetchPartitionSpec(
                    new FetchPartitionKey(topicId, name, partition.Partition),
                    partition.FetchOffset,
                    partition.PartitionMaxBytes,
                    partition.CurrentLeaderEpoch,
                    partition.LogStartOffset,
                    version >= 12 ? partition.LastFetchedEpoch : -1));
            }
        }
        List<FetchPartitionKey>? forgotten = null;
        if (request.ForgottenTopicsData.Count > 0)
        {
            forgotten = [];
            foreach (var topic in request.ForgottenTopicsData)
            {
                var topicId = usesTopicIds ? topic.TopicId : Guid.Empty;
                var name = usesTopicIds ? image.TopicsById.GetValueOrDefault(topic.TopicId)?.Name : topic.Topic;
                foreach (var partition in topic.Partitions)
                {
                    forgotten.Add(new FetchPartitionKey(topicId, name, partition));
                }
            }
        }
        var spec = new FetchRequestSpec(
            request.MaxWaitMs,
            request.MinBytes,
            request.MaxBytes,
            request.IsolationLevel == 1 ? (byte)1 : (byte)0,
            partitions,
            version >= 7 ? request.SessionId : 0,
            version >= 7 ? request.SessionEpoch : -1,
            forgotten,
            usesTopicIds,
            ReplicaId: version >= 15 ? request.ReplicaState.ReplicaId : request.ReplicaId,
            ReplicaEpoch: version >= 15 ? request.ReplicaState.ReplicaEpoch : -1);

        var result = await replicaManager.FetchAsync(spec, cancellationToken).ConfigureAwait(false);
        // The response references the result's file ranges: the response frame takes the result
        // over and releases the ranges once it has written them to the connection.
        context.DisposeAfterEncoding(result);
        context.ResponseSizeHint = EstimateResponseSize(result);
        var response = new FetchResponse { ErrorCode = (short)result.Error, SessionId = result.SessionId };
        FetchResponse.FetchableTopicResponse? current = null;
        foreach (var partition in result.Partitions)
        {
            var key = partition.Key;
            if (current is null || (usesTopicIds ? current.TopicId != key.TopicId : current.Topic != key.Topic))
            {
                current = FindOrAddTopic(response, key, usesTopicIds);
            }
            var data = new FetchResponse.PartitionData
            {
                PartitionIndex = key.Partition,
                ErrorCode = (short)partition.Error,
                HighWatermark = partition.HighWatermark,
                LastStableOffset = partition.LastStableOffset,
                LogStartOffset = partition.LogStartOffset,
                Records = partition.Records?.Memory ?? ReadOnlyMemory<byte>.Empty,
            };
            if (partition.HasDivergingEpoch && version >= 12)
            {
                data.DivergingEpoch = new FetchResponse.EpochEndOffset { Epoch = partition.DivergingEpoch, EndOffset = partition.DivergingEndOffset };
            }
            if (version >= 12 && partition.Error is Protocol.Errors.ErrorCode.NotLeaderOrFollower or Protocol.Errors.ErrorCode.FencedLeaderEpoch
                && key.Topic is { } topicName && image.Partition(topicName, key.Partition) is { Leader: >= 0 } leader)
            {
                data.CurrentLeader = new FetchResponse.LeaderIdAndEpoch { LeaderId = leader.Leader, LeaderEpoch = leader.LeaderEpoch };
                if (version >= 16 && image.Brokers.TryGetValue(leader.Leader, out var broker) && !response.NodeEndpoints.Exists(n => n.NodeId == broker.NodeId))
                {
                    response.NodeEndpoints.Add(new FetchResponse.NodeEndpoint { NodeId = broker.NodeId, Host = broker.Host, Port = broker.Port, Rack = broker.Rack });
                }
            }
            current.Partitions.Add(data);
        }
        return response;
    }

    // A generous allowance for the header, topic names and per-partition fields, plus the
    // record sets small enough to be copied (larger ones are spliced into the frame by
    // reference, see RequestDispatcher.SpliceMinimumBytes); the hint adds no unbounded allocation.
    private static int EstimateResponseSize(FetchResult result)
    {
        long size = ResponseOverheadBytes;
        var partitions = result.Partitions;
        for (var i = 0; i < partitions.Count; i++)
        {
            var partition = partitions[i];
            var records = partition.Records?.Length ?? 0;
            size += PartitionOverheadBytes + (records < RequestDispatcher.SpliceMinimumBytes ? records : 0) + (partition.Key.Topic?.Length ?? 0);
        }
        return (int)Math.Min(size, Array.MaxLength);
    }

    private const int ResponseOverheadBytes = 256;
    private const int PartitionOverheadBytes = 128;

    private static FetchResponse.FetchableTopicResponse FindOrAddTopic(FetchResponse response, FetchPartitionKey key, bool usesTopicIds)
    {
        foreach (var topic in response.Responses)
        {
            if (usesTopicIds ? topic.TopicId == key.TopicId : topic.Topic == key.Topic)
            {
                return topic;
            }
        }
        var added = new FetchResponse.FetchableTopicResponse { Topic = key.Topic ?? "", TopicId = key.TopicId };
        response.Responses.Add(added);
        return added;
    }
}
