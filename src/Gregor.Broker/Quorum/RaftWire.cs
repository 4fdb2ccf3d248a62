using Gregor.Cluster.Raft;
using Gregor.Cluster.Raft.Messages;
using Gregor.Protocol;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;

namespace Gregor.Broker.Quorum;

/// <summary>
/// The Raft core's messages ↔ Kafka's wire messages for the one metadata partition
/// (<c>__cluster_metadata-0</c>, topic id <c>AAAAAAAAAAAAAAAAAAAAAQ</c>). Outbound requests go at
/// fixed versions every Gregor serves (Vote v2 with PreVote, BeginQuorumEpoch/EndQuorumEpoch v0,
/// Fetch v17 with ReplicaState, FetchSnapshot v0, DescribeQuorum v1). Inbound requests that do not
/// name exactly the metadata partition get <see cref="ProtocolException"/> (answered with an error
/// by the handler). Stateless.
/// </summary>
public static class RaftWire
{
    public const string MetadataTopic = "__cluster_metadata";
    public static readonly Guid MetadataTopicId = new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], bigEndian: true);

    public const short VoteVersion = 2;
    public const short BeginQuorumEpochVersion = 0;
    public const short EndQuorumEpochVersion = 0;
    public const short FetchVersion = 17;
    public const short FetchSnapshotVersion = 0;
    public const short DescribeQuorumVersion = 1;

    // ------------------------------------------------------------- outbound requests

    public static (IRequestMessage Body, short Version) ToWire(RaftRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        switch (request)
        {
            case RaftVoteRequest vote:
                return (new VoteRequest
                {
                    ClusterId = vote.ClusterId,
                    VoterId = vote.VoterId,
                    Topics = [new VoteRequest.TopicData { TopicName = MetadataTopic, Partitions = [new VoteRequest.PartitionData
                    {
                        ReplicaEpoch = vote.CandidateEpoch,
                        ReplicaId = vote.CandidateId,
                        ReplicaDirectoryId = vote.CandidateDirectoryId,
                        VoterDirectoryId = vote.VoterDirectoryId,
                        LastOffsetEpoch = vote.LastOffsetEpoch,
                        LastOffset = vote.LastOffset,
                        PreVote = vote.PreVote,
                    }] }],
                }, VoteVersion);
            case RaftBeginQuorumEpochRequest begin:
                return (new BeginQuorumEpochRequest
                {
                    ClusterId = begin.ClusterId,
                    Topics = [new BeginQuorumEpochRequest.TopicData { TopicName = MetadataTopic, Partitions = [new BeginQuorumEpochRequest.PartitionData
                    {
                        LeaderId = begin.LeaderId,
                        LeaderEpoch = begin.LeaderEpoch,
                    }] }],
                }, BeginQuorumEpochVersion);
            case RaftEndQuorumEpochRequest end:
                return (new EndQuorumEpochRequest
                {
                    ClusterId = end.ClusterId,
                    Topics = [new EndQuorumEpochRequest.TopicData { TopicName = MetadataTopic, Partitions = [new EndQuorumEpochRequest.PartitionData
                    {
                        LeaderId = end.LeaderId,
                        LeaderEpoch = end.LeaderEpoch,
                        PreferredSuccessors = [.. end.PreferredSuccessors],
                    }] }],
                }, EndQuorumEpochVersion);
            case RaftFetchRequest fetch:
                return (new FetchRequest
                {
                    ClusterId = fetch.ClusterId,
                    ReplicaState = new FetchRequest.ReplicaStateData { ReplicaId = fetch.ReplicaId, ReplicaEpoch = -1 },
                    MaxWaitMs = fetch.MaxWaitMs,
                    MinBytes = 0,
                    MaxBytes = fetch.MaxBytes,
                    Topics = [new FetchRequest.FetchTopic { TopicId = MetadataTopicId, Partitions = [new FetchRequest.FetchPartition
                    {
                        CurrentLeaderEpoch = fetch.CurrentLeaderEpoch,
                        FetchOffset = fetch.FetchOffset,
                        LastFetchedEpoch = fetch.LastFetchedEpoch,
                        LogStartOffset = -1,
                        PartitionMaxBytes = fetch.MaxBytes,
                        ReplicaDirectoryId = fetch.ReplicaDirectoryId,
                    }] }],
                }, FetchVersion);
            case RaftFetchSnapshotRequest snapshot:
                return (new FetchSnapshotRequest
                {
                    ClusterId = snapshot.ClusterId,
                    ReplicaId = snapshot.ReplicaId,
                    MaxBytes = snapshot.MaxBytes,
                    Topics = [new FetchSnapshotRequest.TopicSnapshot { Name = MetadataTopic, Partitions = [new FetchSnapshotRequest.PartitionSnapshot
                    {
                        CurrentLeaderEpoch = snapshot.CurrentLeaderEpoch,
                        SnapshotId = new FetchSnapshotRequest.SnapshotId { EndOffset = snapshot.SnapshotId.Offset, Epoch = snapshot.SnapshotId.Epoch },
                        Position = snapshot.Position,
                    }] }],
                }, FetchSnapshotVersion);
            case RaftDescribeQuorumRequest:
                return (new DescribeQuorumRequest
                {
                    Topics = [new DescribeQuorumRequest.TopicData { TopicName = MetadataTopic, Partitions = [new DescribeQuorumRequest.PartitionData()] }],
                }, DescribeQuorumVersion);
            default:
                throw new ArgumentException($"no wire form for {request.GetType().Name}", nameof(request));
        }
    }

    /// <summary>A wire response to a request this node sent; a top-level error (INCONSISTENT_CLUSTER_ID …) becomes the partition's error.</summary>
    public static RaftResponse FromWire(IResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        switch (response)
        {
            case VoteResponse vote:
                {
                    var p = Single(vote.Topics.SelectMany(t => t.Partitions), vote.ErrorCode);
                    return p is null
                        ? new RaftVoteResponse((ErrorCode)vote.ErrorCode, -1, -1, false)
                        : new RaftVoteResponse(Error(vote.ErrorCode, p.ErrorCode), p.LeaderId, p.LeaderEpoch, p.VoteGranted);
                }
            case BeginQuorumEpochResponse begin:
                {
                    var p = Single(begin.Topics.SelectMany(t => t.Partitions), begin.ErrorCode);
                    return p is null
                        ? new RaftBeginQuorumEpochResponse((ErrorCode)begin.ErrorCode, -1, -1)
                        : new RaftBeginQuorumEpochResponse(Error(begin.ErrorCode, p.ErrorCode), p.LeaderId, p.LeaderEpoch);
                }
            case EndQuorumEpochResponse end:
                {
                    var p = Single(end.Topics.SelectMany(t => t.Partitions), end.ErrorCode);
                    return p is null
                        ? new RaftEndQuorumEpochResponse((ErrorCode)end.ErrorCode, -1, -1)
                        : new RaftEndQuorumEpochResponse(Error(end.ErrorCode, p.ErrorCode), p.LeaderId, p.LeaderEpoch);
                }
            case FetchResponse fetch:
                {
                    var p = Single(fetch.Responses.SelectMany(t => t.Partitions), fetch.ErrorCode);
                    if (p is null)
                    {
                        return new RaftFetchResponse((ErrorCode)fetch.ErrorCode, -1, -1, -1, -1, null, null, []);
                    }
                    var diverging = p.DivergingEpoch is { EndOffset: >= 0 } d ? new OffsetAndEpoch(d.EndOffset, d.Epoch) : (OffsetAndEpoch?)null;
                    var snapshot = p.SnapshotId is { EndOffset: >= 0 } s ? new OffsetAndEpoch(s.EndOffset, s.Epoch) : (OffsetAndEpoch?)null;
                    var batches = p.Records is { Length: > 0 } records ? RaftBatchCodec.DecodeAll(records) : [];
                    return new RaftFetchResponse(Error(fetch.ErrorCode, p.ErrorCode), p.CurrentLeader.LeaderId, p.CurrentLeader.LeaderEpoch,
                        p.HighWatermark, p.LogStartOffset, diverging, snapshot, batches);
                }
            case FetchSnapshotResponse snapshot:
                {
                    var p = Single(snapshot.Topics.SelectMany(t => t.Partitions), snapshot.ErrorCode);
                    return p is null
                        ? new RaftFetchSnapshotResponse((ErrorCode)snapshot.ErrorCode, -1, -1, default, -1, -1, ReadOnlyMemory<byte>.Empty)
                        : new RaftFetchSnapshotResponse(Error(snapshot.ErrorCode, p.ErrorCode), p.CurrentLeader.LeaderId, p.CurrentLeader.LeaderEpoch,
                            new OffsetAndEpoch(p.SnapshotId.EndOffset, p.SnapshotId.Epoch), p.Size, p.Position, p.UnalignedRecords ?? ReadOnlyMemory<byte>.Empty);
                }
            case DescribeQuorumResponse describe:
                {
                    var p = Single(describe.Topics.SelectMany(t => t.Partitions), describe.ErrorCode);
                    return p is null
                        ? new RaftDescribeQuorumResponse((ErrorCode)describe.ErrorCode, -1, -1, -1, [], [])
                        : new RaftDescribeQuorumResponse(Error(describe.ErrorCode, p.ErrorCode), p.LeaderId, p.LeaderEpoch, p.HighWatermark,
                            [.. p.CurrentVoters.Select(FromWire)], [.. p.Observers.Select(FromWire)]);
                }
            default:
                throw new ArgumentException($"{response.GetType().Name} is not a Raft response", nameof(response));
        }
    }

    // ------------------------------------------------------------- inbound requests (handlers)

    public static RaftVoteRequest FromWire(VoteRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var p = MetadataPartition(request.Topics, t => t.TopicName, t => t.Partitions, x => x.PartitionIndex);
        return new RaftVoteRequest(p.ReplicaEpoch, p.ReplicaId, p.ReplicaDirectoryId, request.VoterId, p.VoterDirectoryId,
            p.LastOffsetEpoch, p.LastOffset, p.PreVote)
        { ClusterId = request.ClusterId };
    }

    public static RaftBeginQuorumEpochRequest FromWire(BeginQuorumEpochRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var p = MetadataPartition(request.Topics, t => t.TopicName, t => t.Partitions, x => x.PartitionIndex);
        return new RaftBeginQuorumEpochRequest(p.LeaderId, p.LeaderEpoch, request.VoterId, p.VoterDirectoryId) { ClusterId = request.ClusterId };
    }

    public static RaftEndQuorumEpochRequest FromWire(EndQuorumEpochRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var p = MetadataPartition(request.Topics, t => t.TopicName, t => t.Partitions, x => x.PartitionIndex);
        var successors = p.PreferredSuccessors.Count > 0 ? p.PreferredSuccessors : [.. p.PreferredCandidates.Select(c => c.CandidateId)];
        return new RaftEndQuorumEpochRequest(p.LeaderId, p.LeaderEpoch, successors) { ClusterId = request.ClusterId };
    }

    public static RaftFetchRequest FromWire(FetchRequest request, short version)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Topics.Count != 1 || request.Topics[0].Partitions.Count != 1 || request.Topics[0].Partitions[0].Partition != 0
            || (request.Topics[0].TopicId != MetadataTopicId && request.Topics[0].Topic != MetadataTopic))
        {
            throw new ProtocolException("a Fetch on the controller listener must name exactly __cluster_metadata-0");
        }
        var p = request.Topics[0].Partitions[0];
        var replicaId = version >= 15 ? request.ReplicaState.ReplicaId : request.ReplicaId;
        return new RaftFetchRequest(replicaId, p.ReplicaDirectoryId, p.CurrentLeaderEpoch, p.FetchOffset, p.LastFetchedEpoch,
            Math.Clamp(request.MaxWaitMs, 0, 60_000), Math.Clamp(Math.Min(request.MaxBytes, p.PartitionMaxBytes), 1, 8 * 1024 * 1024))
        { ClusterId = request.ClusterId };
    }

    public static RaftFetchSnapshotRequest FromWire(FetchSnapshotRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var p = MetadataPartition(request.Topics, t => t.Name, t => t.Partitions, x => x.Partition);
        return new RaftFetchSnapshotRequest(request.ReplicaId, p.CurrentLeaderEpoch, new OffsetAndEpoch(p.SnapshotId.EndOffset, p.SnapshotId.Epoch),
            p.Position, Math.Clamp(request.MaxBytes, 1, 8 * 1024 * 1024))
        { ClusterId = request.ClusterId };
    }

    // ------------------------------------------------------------- inbound responses (handlers)

    public static VoteResponse ToWire(RaftVoteResponse response) => new()
    {
        Topics = [new VoteResponse.TopicData { TopicName = MetadataTopic, Partitions = [new VoteResponse.PartitionData
        {
            ErrorCode = (short)response.Error, LeaderId = response.LeaderId, LeaderEpoch = response.LeaderEpoch, VoteGranted = response.VoteGranted,
        }] }],
    };

    public static BeginQuorumEpochResponse ToWire(RaftBeginQuorumEpochResponse response) => new()
    {
        Topics = [new BeginQuorumEpochResponse.TopicData { TopicName = MetadataTopic, Partitions = [new BeginQuorumEpochResponse.PartitionData
        {
            ErrorCode = (short)response.Error, LeaderId = response.LeaderId, LeaderEpoch = response.LeaderEpoch,
        }] }],
    };

    public static EndQuorumEpochResponse ToWire(RaftEndQuorumEpochResponse response) => new()
    {
        Topics = [new EndQuorumEpochResponse.TopicData { TopicName = MetadataTopic, Partitions = [new EndQuorumEpochResponse.PartitionData
        {
            ErrorCode = (short)response.Error, LeaderId = response.LeaderId, LeaderEpoch = response.LeaderEpoch,
        }] }],
    };

    public static FetchResponse ToWire(RaftFetchResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        byte[]? records = null;
        if (response.Batches.Count > 0)
        {
            using var writer = new ProtocolWriter(4096);
            RaftBatchCodec.EncodeAll(response.Batches, writer);
            records = writer.WrittenSpan.ToArray();
        }
        return new FetchResponse
        {
            Responses = [new FetchResponse.FetchableTopicResponse { Topic = MetadataTopic, TopicId = MetadataTopicId, Partitions = [new FetchResponse.PartitionData
            {
                ErrorCode = (short)response.Error,
                HighWatermark = response.HighWatermark,
                LastStableOffset = response.HighWatermark,
                LogStartOffset = response.LogStartOffset,
                DivergingEpoch = response.DivergingEpoch is { } d
                    ? new FetchResponse.EpochEndOffset { EndOffset = d.Offset, Epoch = d.Epoch }
                    : new FetchResponse.EpochEndOffset { EndOffset = -1, Epoch = -1 },
                CurrentLeader = new FetchResponse.LeaderIdAndEpoch { LeaderId = response.LeaderId, LeaderEpoch = response.LeaderEpoch },
                SnapshotId = response.SnapshotId is { } s
                    ? new FetchResponse.SnapshotId { EndOffset = s.Offset, Epoch = s.Epoch }
                    : new FetchResponse.SnapshotId { EndOffset = -1, Epoch = -1 },
                PreferredReadReplica = -1,
                Records = records,
            }] }],
        };
    }

    public static FetchSnapshotResponse ToWire(RaftFetchSnapshotResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new FetchSnapshotResponse
        {
            Topics = [new FetchSnapshotResponse.TopicSnapshot { Name = MetadataTopic, Partitions = [new FetchSnapshotResponse.PartitionSnapshot
            {
                ErrorCode = (short)response.Error,
                SnapshotId = new FetchSnapshotResponse.SnapshotId { EndOffset = response.SnapshotId.Offset, Epoch = response.SnapshotId.Epoch },
                CurrentLeader = new FetchSnapshotResponse.LeaderIdAndEpoch { LeaderId = response.LeaderId, LeaderEpoch = response.LeaderEpoch },
                Size = response.Size,
                Position = response.Position,
                UnalignedRecords = response.Bytes,
            }] }],
        };
    }

    public static DescribeQuorumResponse ToWire(RaftDescribeQuorumResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new DescribeQuorumResponse
        {
            Topics = [new DescribeQuorumResponse.TopicData { TopicName = MetadataTopic, Partitions = [new DescribeQuorumResponse.PartitionData
            {
                ErrorCode = (short)response.Error,
                LeaderId = response.LeaderId,
                LeaderEpoch = response.LeaderEpoch,
                HighWatermark = response.HighWatermark,
                CurrentVoters = [.. response.CurrentVoters.Select(ToWire)],
                Observers = [.. response.Observers.Select(ToWire)],
            }] }],
        };
    }

    private static DescribeQuorumResponse.ReplicaState ToWire(RaftReplicaState state) => new()
    {
        ReplicaId = state.ReplicaId,
        ReplicaDirectoryId = state.ReplicaDirectoryId,
        LogEndOffset = state.LogEndOffset,
        LastFetchTimestamp = state.LastFetchTimestamp,
        LastCaughtUpTimestamp = state.LastCaughtUpTimestamp,
    };

    private static RaftReplicaState FromWire(DescribeQuorumResponse.ReplicaState state) =>
        new(state.ReplicaId, state.ReplicaDirectoryId, state.LogEndOffset, state.LastFetchTimestamp, state.LastCaughtUpTimestamp);

    private static ErrorCode Error(short topLevel, short partition) => topLevel != 0 ? (ErrorCode)topLevel : (ErrorCode)partition;

    private static T? Single<T>(IEnumerable<T> partitions, short topLevelError)
        where T : class
    {
        var list = partitions.Take(2).ToList();
        return list.Count == 1 ? list[0] : topLevelError != 0 ? null : throw new ProtocolException($"a Raft response must carry exactly one partition, got {list.Count}");
    }

    private static TPartition MetadataPartition<TTopic, TPartition>(List<TTopic> topics, Func<TTopic, string> name,
        Func<TTopic, List<TPartition>> partitions, Func<TPartition, int> index)
    {
        if (topics.Count != 1 || name(topics[0]) != MetadataTopic || partitions(topics[0]).Count != 1 || index(partitions(topics[0])[0]) != 0)
        {
            throw new ProtocolException("a Raft request must name exactly __cluster_metadata-0");
        }
        return partitions(topics[0])[0];
    }
}
