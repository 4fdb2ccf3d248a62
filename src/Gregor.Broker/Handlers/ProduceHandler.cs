using Gregor.Broker.Admin;
using Gregor.Broker.Config;
using Gregor.Broker.Dispatch;
using Gregor.Broker.Network;
using Gregor.Broker.Traffic;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// Produce (API 0), versions 3-13: appends each partition's record batch through the replica
/// manager, all partitions of a request in parallel. acks 1 answers once the append returned
/// (durable per the flush policy); acks -1 waits in the produce purgatory until the high watermark
/// covers the batch, at most timeout.ms (REQUEST_TIMED_OUT) — on a single node the ISR is this
/// node, so that is as soon as the append returned; acks 0 appends and sends no response (a failed append closes the connection). A produce to an unknown topic creates it when
/// auto.create.topics.enable is on (internal topics excepted) and then appends; if the topic is
/// still not ready the client gets a retriable error. v13 names topics by id.
/// Versions 0-2 are not offered: they carry message format v0/v1. acks -1 on a replicated partition
/// is refused with NOT_ENOUGH_REPLICAS before the append while the ISR is below min.insync.replicas,
/// and answers NOT_ENOUGH_REPLICAS_AFTER_APPEND if it shrank below while waiting; a node that does
/// not lead the partition answers NOT_LEADER_OR_FOLLOWER with the current leader and its endpoint
/// (v10+, KIP-951).
/// </summary>
public sealed class ProduceHandler(
    ReplicaManager replicaManager,
    IMetadataPublisher metadata,
    AutoTopicCreator topics,
    BrokerConfig config,
    ProduceTrafficTracker traffic) : ApiHandler<ProduceRequest, ProduceResponse>
{
    public override ApiKey ApiKey => ApiKey.Produce;

    public override short MinVersion => 3;

    public override short MaxVersion => 13;

    protected override async ValueTask<ProduceResponse?> HandleAsync(RequestContext context, ProduceRequest request, CancellationToken cancellationToken)
    {
        var usesTopicIds = context.ApiVersion >= 13;
        var acksValid = request.Acks is 0 or 1 or -1;
        var image = metadata.Current;
        var timeout = TimeSpan.FromMilliseconds(Math.Max(0, request.TimeoutMs));
        var topics = new (string? Name, ErrorCode TopicError)[request.TopicData.Count];
        for (var t = 0; t < request.TopicData.Count; t++)
        {
            var topic = request.TopicData[t];
            if (usesTopicIds)
            {
                var name = image.TopicsById.GetValueOrDefault(topic.TopicId)?.Name;
                topics[t] = (name, name is null ? ErrorCode.UnknownTopicId : ErrorCode.None);
            }
            else if (acksValid && image.Topic(topic.Name) is null)
            {
                topics[t] = (topic.Name, await AutoCreateAsync(topic.Name, cancellationToken).ConfigureAwait(false));
            }
            else
            {
                topics[t] = (topic.Name, ErrorCode.None);
            }
        }

        // Start every partition's append before awaiting any: appends to different partitions
        // proceed in parallel (and share group-commit fsyncs).
        var pending = new List<ValueTask<ProducePartitionResult>>();
        for (var t = 0; t < request.TopicData.Count; t++)
        {
            var (name, topicError) = topics[t];
            foreach (var partition in request.TopicData[t].PartitionData)
            {
                pending.Add(!acksValid ? ValueTask.FromResult(ProducePartitionResult.Failed(ErrorCode.InvalidRequiredAcks))
                    : topicError != ErrorCode.None || name is null ? ValueTask.FromResult(ProducePartitionResult.Failed(topicError))
                    : replicaManager.AppendRecordsAsync(new TopicPartition(name, partition.Index), partition.Records ?? ReadOnlyMemory<byte>.Empty, request.Acks, timeout, cancellationToken));
            }
        }
        var results = new ProducePartitionResult[pending.Count];
        for (var i = 0; i < pending.Count; i++)
        {
            results[i] = await pending[i].ConfigureAwait(false);
        }
        CountTraffic(context.ClientId, request, topics, results);
        if (request.Acks == 0)
        {
            // As Kafka: a client that asked for no response learns of a failed append only by the
            // connection closing (it then refreshes metadata and reconnects).
            foreach (var result in results)
            {
                if (result.Error != ErrorCode.None)
                {
                    throw new CloseConnectionException($"acks=0 produce failed with {result.Error}: {result.ErrorMessage}");
                }
            }
            return null;
        }

        var response = new ProduceResponse();
        var next = 0;
        foreach (var topic in request.TopicData)
        {
            var topicResponse = new ProduceResponse.TopicProduceResponse { Name = topic.Name, TopicId = topic.TopicId };
            foreach (var partition in topic.PartitionData)
            {
                var result = results[next++];
                var partitionResponse = new ProduceResponse.PartitionProduceResponse
                {
                    Index = partition.Index,
                    ErrorCode = (short)result.Error,
                    BaseOffset = result.BaseOffset,
                    LogAppendTimeMs = result.LogAppendTime,
                    LogStartOffset = result.LogStartOffset,
                    ErrorMessage = result.ErrorMessage,
                };
                if (context.ApiVersion >= 10 && result.Error is ErrorCode.NotLeaderOrFollower
                    && metadata.Current.Partition(topic.Name is { Length: > 0 } ? topic.Name : image.TopicsById.GetValueOrDefault(topic.TopicId)?.Name ?? "", partition.Index) is { Leader: >= 0 } leader)
                {
                    // KIP-951: the client learns the new leader from the error itself.
                    partitionResponse.CurrentLeader = new ProduceResponse.LeaderIdAndEpoch { LeaderId = leader.Leader, LeaderEpoch = leader.LeaderEpoch };
                    if (metadata.Current.Brokers.TryGetValue(leader.Leader, out var broker) && !response.NodeEndpoints.Exists(n => n.NodeId == broker.NodeId))
                    {
                        response.NodeEndpoints.Add(new ProduceResponse.NodeEndpoint { NodeId = broker.NodeId, Host = broker.Host, Port = broker.Port, Rack = broker.Rack });
                    }
                }
                if (context.ApiVersion >= 8 && result.RecordErrors is { } recordErrors)
                {
                    foreach (var recordError in recordErrors)
                    {
                        partitionResponse.RecordErrors.Add(new ProduceResponse.BatchIndexAndErrorMessage { BatchIndex = recordError.BatchIndex, BatchIndexErrorMessage = recordError.Message });
                    }
                }
                else if (result.Error is ErrorCode.InvalidRecord or ErrorCode.InvalidTimestamp && context.ApiVersion >= 8)
                {
                    // A check of the batch header: the record at fault is not known, so the first is named.
                    partitionResponse.RecordErrors.Add(new ProduceResponse.BatchIndexAndErrorMessage { BatchIndex = 0, BatchIndexErrorMessage = result.ErrorMessage });
                }
                topicResponse.PartitionResponses.Add(partitionResponse);
            }
            response.Responses.Add(topicResponse);
        }
        return response;
    }

    /// <summary>Per appended partition, not per record: who produced how much to which topic (the console's picture).</summary>
    private void CountTraffic(string? clientId, ProduceRequest request, (string? Name, ErrorCode TopicError)[] topics, ProducePartitionResult[] results)
    {
        var next = 0;
        for (var t = 0; t < request.TopicData.Count; t++)
        {
            foreach (var partition in request.TopicData[t].PartitionData)
            {
                if (results[next++].Error == ErrorCode.None && topics[t].Name is { } name && partition.Records is { } records)
                {
                    traffic.Record(clientId, name, records.Span);
                }
            }
        }
    }

    private async ValueTask<ErrorCode> AutoCreateAsync(string topic, CancellationToken cancellationToken)
    {
        if (!config.AutoCreateTopicsEnable || topic.StartsWith("__", StringComparison.Ordinal))
        {
            return ErrorCode.UnknownTopicOrPartition;
        }
        var (error, _) = await topics.GetOrCreateAsync(topic, cancellationToken).ConfigureAwait(false);
        return error == ErrorCode.InvalidTopicException ? error
            : error == ErrorCode.None ? ErrorCode.None
            : ErrorCode.LeaderNotAvailable;
    }
}
