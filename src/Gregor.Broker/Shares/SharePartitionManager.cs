using Gregor.Broker.Dispatch;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Shares;

/// <summary>
/// ShareFetch and ShareAcknowledge (Kafka's SharePartitionManager): share sessions and their epoch
/// rules, acknowledgements applied to the group's <see cref="SharePartition"/>s, acquisition of the
/// records a fetch reads, and long polls in the replica manager's fetch purgatory. Acquired records
/// go out as the stored batches (file ranges, never parsed per record: only each batch header is
/// read, to acquire no offset the response does not carry); the client keeps the acquired offsets.
/// <para>
/// Session rules: epoch 0 opens (replacing the member's earlier session) and may not carry
/// acknowledgements (INVALID_REQUEST); −1 acknowledges, closes and releases the member's records;
/// any other epoch must be the session's next one (SHARE_SESSION_NOT_FOUND,
/// INVALID_SHARE_SESSION_EPOCH); partitions are added and forgotten incrementally. A closed
/// connection, a member leaving or timing out, all close the member's session and release its records.
/// </para>
/// Thread-safety: safe for concurrent requests; state lives in the session cache, the coordinator
/// and the share partitions, each with its own lock.
/// </summary>
public sealed class SharePartitionManager
{
    private readonly ShareGroupCoordinator _groups;
    private readonly ReplicaManager _replicas;
    private readonly IMetadataPublisher _metadata;
    private readonly TimeProvider _time;

    public SharePartitionManager(ShareGroupCoordinator groups, ReplicaManager replicas, IMetadataPublisher metadata, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(groups);
        _groups = groups;
        _replicas = replicas;
        _metadata = metadata;
        _time = time;
        Sessions = new ShareSessionCache(groups.Options.MaxShareSessions);
        _groups.MemberRemoved += (group, member, timedOut) =>
        {
            // A member that leaves while its share session is open (librdkafka's close sends the
            // leave heartbeat and the session's final acknowledgements side by side) keeps the
            // session until that final request or its connection closes it, which releases the
            // rest: releasing now would redeliver records it has already acknowledged. A member
            // that timed out is gone: its session closes and its records go back at once.
            if (!timedOut && Sessions.Contains(group, member))
            {
                return;
            }
            if (Sessions.Remove(group, member) is { } session)
            {
                session.ConnectionClosed.Dispose();
            }
            ReleaseMember(group, member);
        };
    }

    public ShareSessionCache Sessions { get; }

    private int LockTimeoutMs => (int)Math.Min(int.MaxValue, _groups.Options.Partition.RecordLockDurationMs);

    public async ValueTask<ShareFetchResponse> FetchAsync(RequestContext context, ShareFetchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var version = context.ApiVersion;
        var response = new ShareFetchResponse { AcquisitionLockTimeoutMs = LockTimeoutMs };
        var groupId = request.GroupId;
        var memberId = request.MemberId;
        var epoch = request.ShareSessionEpoch;
        var hasAcks = request.Topics.Any(t => t.Partitions.Any(p => p.AcknowledgementBatches.Count > 0));
        if (string.IsNullOrEmpty(groupId) || string.IsNullOrEmpty(memberId) || (epoch == 0 && hasAcks) || epoch < -1)
        {
            response.ErrorCode = (short)ErrorCode.InvalidRequest;
            return response;
        }
        if (epoch != -1 && !_groups.IsMember(groupId, memberId))
        {
            response.ErrorCode = (short)ErrorCode.UnknownMemberId;
            return response;
        }
        var requested = request.Topics.SelectMany(t => t.Partitions.Select(p => (t.TopicId, p.PartitionIndex))).ToList();
        IReadOnlyList<(Guid TopicId, int Partition)> sessionPartitions;
        ShareSession session;
        if (epoch == 0)
        {
            var (error, opened, replaced) = Sessions.Open(groupId, memberId, context.ConnectionId);
            if (error != ErrorCode.None)
            {
                response.ErrorCode = (short)error;
                return response;
            }
            session = opened!;
            if (replaced is not null)
            {
                replaced.ConnectionClosed.Dispose();
                ReleaseMember(groupId, memberId);
            }
            session.ConnectionClosed = cancellationToken.UnsafeRegister(static state =>
            {
                var (manager, closed) = ((SharePartitionManager, ShareSession))state!;
                manager.CloseOnDisconnect(closed);
            }, (this, session));
            sessionPartitions = Sessions.UpdatePartitions(session, requested, []);
        }
        else
        {
            var (error, advanced) = Sessions.Advance(groupId, memberId, epoch);
            if (error != ErrorCode.None)
            {
                response.ErrorCode = (short)error;
                return response;
            }
            session = advanced!;
            var forgotten = request.ForgottenTopicsData.SelectMany(t => t.Partitions.Select(p => (t.TopicId, p)));
            sessionPartitions = epoch == -1 ? [] : Sessions.UpdatePartitions(session, requested, forgotten);
        }

        var image = _metadata.Current;
        var results = new Dictionary<(Guid TopicId, int Partition), ShareFetchResponse.PartitionData>();
        foreach (var topic in request.Topics)
        {
            foreach (var partition in topic.Partitions.Where(p => p.AcknowledgementBatches.Count > 0))
            {
                var batches = partition.AcknowledgementBatches.Select(b => (b.FirstOffset, b.LastOffset, b.AcknowledgeTypes)).ToList();
                var error = Acknowledge(image, groupId, memberId, topic.TopicId, partition.PartitionIndex, batches, allowRenew: version >= 2);
                results[(topic.TopicId, partition.PartitionIndex)] = new ShareFetchResponse.PartitionData
                {
                    PartitionIndex = partition.PartitionIndex,
                    AcknowledgeErrorCode = (short)error,
                    Records = ReadOnlyMemory<byte>.Empty,
                };
            }
        }
        if (epoch == -1)
        {
            session.ConnectionClosed.Dispose();
            ReleaseMember(groupId, memberId);
        }
        else if (!(version >= 2 && request.IsRenewAck))
        {
            var fetched = new FetchedRecordsSet();
            try
            {
                await AcquireAsync(image, groupId, memberId, request, sessionPartitions, results, fetched, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                fetched.Dispose();
                throw;
            }
            if (fetched.Count > 0)
            {
                context.DisposeAfterEncoding(fetched);
                context.ResponseSizeHint = (int)Math.Min(int.MaxValue, 256L + fetched.SmallBytes + (results.Count * 128L));
            }
        }
        foreach (var ((topicId, _), data) in results)
        {
            var topic = response.Responses.FirstOrDefault(t => t.TopicId == topicId);
            if (topic is null)
            {
                topic = new ShareFetchResponse.ShareFetchableTopicResponse { TopicId = topicId };
                response.Responses.Add(topic);
            }
            topic.Partitions.Add(data);
        }
        return response;
    }

    public ShareAcknowledgeResponse Acknowledge(RequestContext context, ShareAcknowledgeRequest request)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var version = context.ApiVersion;
        var response = new ShareAcknowledgeResponse { AcquisitionLockTimeoutMs = LockTimeoutMs };
        var groupId = request.GroupId;
        var memberId = request.MemberId;
        var epoch = request.ShareSessionEpoch;
        if (string.IsNullOrEmpty(groupId) || string.IsNullOrEmpty(memberId) || epoch < -1)
        {
            response.ErrorCode = (short)ErrorCode.InvalidRequest;
            return response;
        }
        if (epoch == 0)
        {
            // An acknowledgement cannot open a session.
            response.ErrorCode = (short)ErrorCode.InvalidShareSessionEpoch;
            return response;
        }
        var (error, session) = Sessions.Advance(groupId, memberId, epoch);
        if (error != ErrorCode.None)
        {
            response.ErrorCode = (short)error;
            return response;
        }
        var image = _metadata.Current;
        foreach (var topic in request.Topics)
        {
            var topicResponse = new ShareAcknowledgeResponse.ShareAcknowledgeTopicResponse { TopicId = topic.TopicId };
            foreach (var partition in topic.Partitions)
            {
                var batches = partition.AcknowledgementBatches.Select(b => (b.FirstOffset, b.LastOffset, b.AcknowledgeTypes)).ToList();
                topicResponse.Partitions.Add(new ShareAcknowledgeResponse.PartitionData
                {
                    PartitionIndex = partition.PartitionIndex,
                    ErrorCode = (short)Acknowledge(image, groupId, memberId, topic.TopicId, partition.PartitionIndex, batches, allowRenew: version >= 2),
                });
            }
            response.Responses.Add(topicResponse);
        }
        if (epoch == -1)
        {
            session!.ConnectionClosed.Dispose();
            ReleaseMember(groupId, memberId);
        }
        return response;
    }

    private ErrorCode Acknowledge(MetadataImage image, string groupId, string memberId, Guid topicId, int partitionIndex,
        List<(long FirstOffset, long LastOffset, List<sbyte> Types)> batches, bool allowRenew)
    {
        if (!image.TopicsById.TryGetValue(topicId, out var topic))
        {
            return ErrorCode.UnknownTopicId;
        }
        var topicPartition = new TopicPartition(topic.Name, partitionIndex);
        if (_groups.TryGetPartition(groupId, topicPartition) is not { } share)
        {
            return ErrorCode.InvalidRecordState;
        }
        var converted = new List<AcknowledgementBatch>(batches.Count);
        foreach (var (first, last, types) in batches)
        {
            if (types.Count == 0 || types.Any(t => t < 0 || t > (sbyte)(allowRenew ? AcknowledgeType.Renew : AcknowledgeType.Reject)))
            {
                return ErrorCode.InvalidRequest;
            }
            converted.Add(new AcknowledgementBatch(first, last, [.. types.Select(t => (byte)t)]));
        }
        var error = share.Acknowledge(memberId, converted);
        if (error == ErrorCode.None && converted.Any(b => b.Types.Contains((byte)AcknowledgeType.Release)))
        {
            _replicas.DelayedFetches.CheckAndComplete(topicPartition);
        }
        return error;
    }

    private async Task AcquireAsync(
        MetadataImage image, string groupId, string memberId, ShareFetchRequest request,
        IReadOnlyList<(Guid TopicId, int Partition)> sessionPartitions,
        Dictionary<(Guid, int), ShareFetchResponse.PartitionData> results,
        FetchedRecordsSet fetched,
        CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow().ToUnixTimeMilliseconds() + Math.Max(0, request.MaxWaitMs);
        var maxRecords = request.MaxRecords > 0 ? request.MaxRecords : _groups.Options.DefaultMaxRecords;
        while (true)
        {
            var waitOn = new List<(SharePartition Share, Partition Log)>();
            var remainingRecords = maxRecords;
            var remainingBytes = request.MaxBytes > 0 ? request.MaxBytes : int.MaxValue;
            var acquiredAny = false;
            foreach (var (topicId, index) in sessionPartitions)
            {
                if (!image.TopicsById.TryGetValue(topicId, out var topic))
                {
                    SetError(results, topicId, index, ErrorCode.UnknownTopicId);
                    continue;
                }
                var topicPartition = new TopicPartition(topic.Name, index);
                if (!_replicas.TryGetPartition(topicPartition, out var log))
                {
                    SetError(results, topicId, index, _replicas.PartitionError(topicPartition));
                    continue;
                }
                var share = _groups.GetOrCreatePartition(groupId, topicPartition,
                    reset => string.Equals(reset, "earliest", StringComparison.OrdinalIgnoreCase) ? log.LogStartOffset : log.HighWatermark);
                if (share is null)
                {
                    SetError(results, topicId, index, ErrorCode.UnknownMemberId);
                    continue;
                }
                waitOn.Add((share, log));
                if (remainingRecords <= 0 || remainingBytes <= 0)
                {
                    continue;
                }
                try
                {
                    share.AdvanceToLogStart(log.LogStartOffset);
                    if (share.NextFetchOffset() is not { } from || from >= log.HighWatermark)
                    {
                        continue;
                    }
                    var records = log.Read(from, remainingBytes, minOneMessage: !acquiredAny);
                    if (records is null)
                    {
                        continue;
                    }
                    var last = RecordBatchOffsets.LastOffset(records);
                    var acquired = last is { } l ? share.Acquire(memberId, from, Math.Min(l + 1, log.HighWatermark), remainingRecords) : [];
                    if (acquired.Count == 0)
                    {
                        records.Release();
                        continue;
                    }
                    // Send only the batches up to the last acquired offset: the read may reach far
                    // past what this member got, and those bytes would be filtered out by the client.
                    var needed = RecordBatchOffsets.BytesThrough(records, acquired[^1].LastOffset);
                    if (needed < records.Length && log.Read(from, needed, minOneMessage: true) is { } trimmed)
                    {
                        records.Release();
                        records = trimmed;
                    }
                    fetched.Add(records);
                    acquiredAny = true;
                    remainingBytes -= records.Length;
                    var data = GetOrAdd(results, topicId, index);
                    data.Records = records.Memory;
                    foreach (var range in acquired)
                    {
                        data.AcquiredRecords.Add(new ShareFetchResponse.AcquiredRecords { FirstOffset = range.FirstOffset, LastOffset = range.LastOffset, DeliveryCount = range.DeliveryCount });
                        remainingRecords -= (int)(range.LastOffset - range.FirstOffset + 1);
                    }
                }
                catch (KafkaException e)
                {
                    SetError(results, topicId, index, e.Error);
                }
            }
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (acquiredAny || now >= deadline || waitOn.Count == 0 || cancellationToken.IsCancellationRequested)
            {
                return;
            }
            var wakeUp = deadline;
            foreach (var (share, _) in waitOn)
            {
                if (share.NextWakeUpMs() is { } due)
                {
                    wakeUp = Math.Min(wakeUp, due);
                }
            }
            var wait = new DelayedShareFetch(waitOn, TimeSpan.FromMilliseconds(Math.Max(1, wakeUp - now)));
            if (!_replicas.DelayedFetches.TryCompleteElseWatch(wait, [.. waitOn.Select(w => w.Log.TopicPartition).Distinct()], cancellationToken))
            {
                await wait.Completion.ConfigureAwait(false);
            }
            if (wait.Outcome is Cluster.Purgatory.DelayedOperationOutcome.Cancelled or Cluster.Purgatory.DelayedOperationOutcome.Overflowed)
            {
                return;
            }
        }
    }

    private static void SetError(Dictionary<(Guid, int), ShareFetchResponse.PartitionData> results, Guid topicId, int index, ErrorCode error) =>
        GetOrAdd(results, topicId, index).ErrorCode = (short)error;

    private static ShareFetchResponse.PartitionData GetOrAdd(Dictionary<(Guid, int), ShareFetchResponse.PartitionData> results, Guid topicId, int index)
    {
        if (!results.TryGetValue((topicId, index), out var data))
        {
            data = new ShareFetchResponse.PartitionData { PartitionIndex = index, Records = ReadOnlyMemory<byte>.Empty };
            results[(topicId, index)] = data;
        }
        return data;
    }

    private void CloseOnDisconnect(ShareSession session)
    {
        if (Sessions.Remove(session))
        {
            ReleaseMember(session.GroupId, session.MemberId);
        }
    }

    /// <summary>Gives back every record <paramref name="memberId"/> holds in the group and wakes fetches waiting on them.</summary>
    private void ReleaseMember(string groupId, string memberId)
    {
        foreach (var (topicPartition, share) in _groups.PartitionsOf(groupId))
        {
            if (share.ReleaseMember(memberId) > 0)
            {
                _replicas.DelayedFetches.CheckAndComplete(topicPartition);
            }
        }
    }

    /// <summary>The fetched record sets one response carries; released after the response is written.</summary>
    private sealed class FetchedRecordsSet : IDisposable
    {
        private readonly List<FetchedRecords> _records = [];

        public int Count => _records.Count;

        /// <summary>Bytes of record sets small enough to be copied into the frame (larger ones are spliced).</summary>
        public long SmallBytes => _records.Where(r => r.Length < RequestDispatcher.SpliceMinimumBytes).Sum(r => (long)r.Length);

        public void Add(FetchedRecords records) => _records.Add(records);

        public void Dispose()
        {
            foreach (var records in _records)
            {
                records.Release();
            }
            _records.Clear();
        }
    }
}
