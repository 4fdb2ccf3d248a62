using Gregor.Capture.Spec;
using Gregor.Protocol.Primitives;

namespace Gregor.Capture.Mock;

/// <summary>
/// A single-node, in-memory Kafka broker just good enough for real clients to walk through
/// bootstrap, produce, fetch and the classic consumer-group protocol, so their request
/// frames can be captured before (or without) the real broker. It advertises the version
/// ranges a Kafka 4 broker would (plus the legacy versions), auto-creates topics with one
/// partition, keeps produced batches in memory and answers every version through
/// <see cref="SpecCodec"/>. Thread-safe: one lock around all state; a fetch with no data
/// waits up to its max wait (capped) for a produce.
/// </summary>
internal sealed class MockBroker(SpecCatalog catalog, int partitionsPerTopic)
{
    private const short ApiVersionsKey = 18;
    private const short UnsupportedVersion = 35;
    private const short MemberIdRequired = 79;
    private const short OffsetOutOfRange = 1;
    private const short UnknownTopic = 3;

    private static readonly short[] Served = [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18, 22];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, MockTopic> _topics = [];
    private readonly Dictionary<string, MockGroup> _groups = [];
    private long _nextProducerId = 1000;
    private int _nextMember;

    /// <summary>Host and port put in Metadata and FindCoordinator responses (the capture listener's).</summary>
    public int AdvertisedPort { get; set; }

    /// <summary>Answers one request frame (without its size prefix); null when no response is due.</summary>
    public async Task<byte[]?> HandleAsync(byte[] frame, CancellationToken cancellationToken)
    {
        var reader = new ProtocolReader(frame);
        var apiKey = reader.ReadInt16();
        var version = reader.ReadInt16();
        var correlationId = reader.ReadInt32();
        var clientId = reader.ReadString(false, true);
        var requestSpec = catalog.Find(apiKey, true, version);
        if (requestSpec is null || !Served.Contains(apiKey))
        {
            if (apiKey == ApiVersionsKey)
            {
                // KIP-511: answer an ApiVersions version we do not know with v0 and our ranges.
                return Encode(ApiVersionsKey, 0, correlationId, ApiVersions(UnsupportedVersion));
            }
            await Console.Error.WriteLineAsync($"mock: {clientId}: no answer for api {apiKey} v{version}");
            return null;
        }
        if (requestSpec.FlexibleVersions.Contains(version))
        {
            var tags = reader.ReadUnsignedVarInt();
            for (var i = 0; i < tags; i++)
            {
                reader.ReadUnsignedVarInt();
                reader.Skip((int)reader.ReadUnsignedVarInt());
            }
        }
        var request = SpecCodec.Read(requestSpec, ref reader, version);
        SpecObject? response = apiKey switch
        {
            0 => Produce(request),
            1 => await FetchAsync(request, cancellationToken),
            2 => ListOffsets(request),
            3 => Metadata(request, version),
            8 => OffsetCommit(request),
            9 => OffsetFetch(request, version),
            10 => FindCoordinator(request, version),
            11 => JoinGroup(request, version),
            12 => new SpecObject { ["ErrorCode"] = 0 },
            13 => LeaveGroup(request),
            14 => SyncGroup(request),
            18 => ApiVersions(0),
            22 => InitProducerId(),
            _ => null,
        };
        Console.Error.WriteLine($"mock: {clientId}: {requestSpec.ApiName} v{version}");
        return response is null ? null : Encode(apiKey, version, correlationId, response);
    }

    private byte[] Encode(short apiKey, short version, int correlationId, SpecObject body)
    {
        var spec = catalog.Find(apiKey, false, version)!;
        using var writer = new ProtocolWriter();
        writer.WriteInt32(0);
        writer.WriteInt32(correlationId);
        if (apiKey != ApiVersionsKey && spec.FlexibleVersions.Contains(version))
        {
            writer.WriteUnsignedVarInt(0);
        }
        SpecCodec.Write(spec, writer, body, version);
        writer.PatchInt32(0, writer.Length - 4);
        return writer.WrittenSpan.ToArray();
    }

    private SpecObject ApiVersions(short errorCode) => new()
    {
        ["ErrorCode"] = errorCode,
        ["ApiKeys"] = Served.Select(key =>
        {
            var range = catalog.AdvertisedRange(key);
            return (object?)new SpecObject { ["ApiKey"] = key, ["MinVersion"] = range.Min, ["MaxVersion"] = range.Max };
        }).ToList(),
    };

    private MockTopic? Topic(SpecObject topic, bool create)
    {
        lock (_lock)
        {
            var name = topic.Str("Name") ?? topic.Str("Topic");
            if (name is null || name.Length == 0)
            {
                var id = topic.Has("TopicId") ? topic.Uuid("TopicId") : Guid.Empty;
                return _topics.Values.FirstOrDefault(t => t.Id == id);
            }
            if (!_topics.TryGetValue(name, out var found) && create)
            {
                found = _topics[name] = new MockTopic(name, partitionsPerTopic);
            }
            return found;
        }
    }

    private SpecObject Metadata(SpecObject request, short version)
    {
        List<MockTopic> topics;
        if (request.IsNullArray("Topics") || (version == 0 && !request.Objects("Topics").Any()))
        {
            lock (_lock)
            {
                topics = [.. _topics.Values];
            }
        }
        else
        {
            topics = [.. request.Objects("Topics").Select(t => Topic(t, create: true)).OfType<MockTopic>()];
        }
        return new SpecObject
        {
            ["Brokers"] = new List<object?> { new SpecObject { ["NodeId"] = 1, ["Host"] = "127.0.0.1", ["Port"] = AdvertisedPort, ["Rack"] = null } },
            ["ClusterId"] = "gregor-capture-mock",
            ["ControllerId"] = 1,
            ["Topics"] = topics.Select(t => (object?)new SpecObject
            {
                ["Name"] = t.Name,
                ["TopicId"] = t.Id,
                ["Partitions"] = Enumerable.Range(0, t.Partitions.Length).Select(p => (object?)new SpecObject
                {
                    ["PartitionIndex"] = p,
                    ["LeaderId"] = 1,
                    ["ReplicaNodes"] = new List<object?> { 1 },
                    ["IsrNodes"] = new List<object?> { 1 },
                }).ToList(),
            }).ToList(),
        };
    }

    private SpecObject? Produce(SpecObject request)
    {
        var responses = new List<object?>();
        foreach (var topicData in request.Objects("TopicData"))
        {
            var topic = Topic(topicData, create: true);
            var partitions = new List<object?>();
            foreach (var partition in topicData.Objects("PartitionData"))
            {
                var index = partition.Int("Index");
                long baseOffset = -1;
                short error = UnknownTopic;
                if (topic is not null && index < topic.Partitions.Length)
                {
                    lock (_lock)
                    {
                        baseOffset = topic.Append(index, partition.Bytes("Records") ?? []);
                    }
                    error = 0;
                }
                partitions.Add(new SpecObject { ["Index"] = index, ["ErrorCode"] = error, ["BaseOffset"] = baseOffset, ["LogAppendTimeMs"] = -1L });
            }
            responses.Add(new SpecObject { ["Name"] = topicData.Str("Name"), ["TopicId"] = topicData.Uuid("TopicId"), ["PartitionResponses"] = partitions });
        }
        return request.Long("Acks") == 0 ? null : new SpecObject { ["Responses"] = responses };
    }

    private async Task<SpecObject> FetchAsync(SpecObject request, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(Math.Clamp(request.Long("MaxWaitMs"), 0, 200));
        while (true)
        {
            var (response, bytes) = FetchOnce(request);
            if (bytes > 0 || DateTime.UtcNow >= deadline)
            {
                return response;
            }
            await Task.Delay(10, cancellationToken);
        }
    }

    private (SpecObject Response, long Bytes) FetchOnce(SpecObject request)
    {
        long total = 0;
        var responses = new List<object?>();
        foreach (var fetchTopic in request.Objects("Topics"))
        {
            var topic = Topic(fetchTopic, create: false);
            var partitions = new List<object?>();
            foreach (var partition in fetchTopic.Objects("Partitions"))
            {
                var index = partition.Int("Partition");
                var offset = partition.Long("FetchOffset");
                var result = new SpecObject { ["PartitionIndex"] = index, ["PreferredReadReplica"] = -1, ["AbortedTransactions"] = new List<object?>() };
                lock (_lock)
                {
                    if (topic is null || index >= topic.Partitions.Length)
                    {
                        result["ErrorCode"] = UnknownTopic;
                    }
                    else if (offset > topic.EndOffsets[index])
                    {
                        result["ErrorCode"] = OffsetOutOfRange;
                    }
                    else
                    {
                        var records = topic.Read(index, offset, Math.Max(1, partition.Int("PartitionMaxBytes", 1 << 20)));
                        total += records.Length;
                        result["HighWatermark"] = topic.EndOffsets[index];
                        result["LastStableOffset"] = topic.EndOffsets[index];
                        result["Records"] = records;
                    }
                }
                partitions.Add(result);
            }
            responses.Add(new SpecObject { ["Topic"] = fetchTopic.Str("Topic"), ["TopicId"] = fetchTopic.Uuid("TopicId"), ["Partitions"] = partitions });
        }
        return (new SpecObject { ["SessionId"] = 0, ["Responses"] = responses }, total);
    }

    private SpecObject ListOffsets(SpecObject request)
    {
        var topics = new List<object?>();
        foreach (var listTopic in request.Objects("Topics"))
        {
            var topic = Topic(listTopic, create: false);
            var partitions = new List<object?>();
            foreach (var partition in listTopic.Objects("Partitions"))
            {
                var index = partition.Int("PartitionIndex");
                long end;
                lock (_lock)
                {
                    end = topic is not null && index < topic.Partitions.Length ? topic.EndOffsets[index] : -1;
                }
                var offset = partition.Long("Timestamp") switch
                {
                    -1 => end,
                    -3 => Math.Max(0, end - 1),
                    _ => 0,
                };
                partitions.Add(new SpecObject
                {
                    ["PartitionIndex"] = index,
                    ["ErrorCode"] = end < 0 ? UnknownTopic : (short)0,
                    ["Timestamp"] = -1L,
                    ["Offset"] = offset,
                    ["OldStyleOffsets"] = new List<object?> { offset },
                });
            }
            topics.Add(new SpecObject { ["Name"] = listTopic.Str("Name"), ["Partitions"] = partitions });
        }
        return new SpecObject { ["Topics"] = topics };
    }

    private SpecObject FindCoordinator(SpecObject request, short version)
    {
        if (version < 4)
        {
            return new SpecObject { ["NodeId"] = 1, ["Host"] = "127.0.0.1", ["Port"] = AdvertisedPort };
        }
        return new SpecObject
        {
            ["Coordinators"] = ((request.TryGetValue("CoordinatorKeys", out var keys) ? keys as List<object?> : null) ?? []).Select(key => (object?)new SpecObject { ["Key"] = key, ["NodeId"] = 1, ["Host"] = "127.0.0.1", ["Port"] = AdvertisedPort }).ToList(),
        };
    }

    private MockGroup Group(string? groupId)
    {
        lock (_lock)
        {
            groupId ??= "";
            if (!_groups.TryGetValue(groupId, out var group))
            {
                group = _groups[groupId] = new MockGroup();
            }
            return group;
        }
    }

    private SpecObject JoinGroup(SpecObject request, short version)
    {
        var group = Group(request.Str("GroupId"));
        var memberId = request.Str("MemberId") ?? "";
        lock (_lock)
        {
            if (memberId.Length == 0)
            {
                memberId = $"{request.Str("GroupInstanceId") ?? "member"}-{Interlocked.Increment(ref _nextMember)}";
                if (version >= 4)
                {
                    // KIP-394: the first join of a new member gets an id and must rejoin with it.
                    return new SpecObject { ["ErrorCode"] = MemberIdRequired, ["GenerationId"] = -1, ["MemberId"] = memberId, ["ProtocolName"] = null };
                }
            }
            var protocol = request.Objects("Protocols").FirstOrDefault();
            group.Generation++;
            group.ProtocolType = request.Str("ProtocolType");
            group.ProtocolName = protocol?.Str("Name");
            group.MemberMetadata[memberId] = protocol?.Bytes("Metadata") ?? [];
            if (group.Leader is null || !group.MemberMetadata.ContainsKey(group.Leader))
            {
                group.Leader = memberId;
            }
            var isLeader = group.Leader == memberId;
            return new SpecObject
            {
                ["GenerationId"] = group.Generation,
                ["ProtocolType"] = group.ProtocolType,
                ["ProtocolName"] = group.ProtocolName,
                ["Leader"] = group.Leader,
                ["MemberId"] = memberId,
                ["Members"] = isLeader
                    ? group.MemberMetadata.Select(m => (object?)new SpecObject { ["MemberId"] = m.Key, ["GroupInstanceId"] = null, ["Metadata"] = m.Value }).ToList()
                    : new List<object?>(),
            };
        }
    }

    private SpecObject SyncGroup(SpecObject request)
    {
        var group = Group(request.Str("GroupId"));
        var memberId = request.Str("MemberId") ?? "";
        lock (_lock)
        {
            foreach (var assignment in request.Objects("Assignments"))
            {
                group.Assignments[assignment.Str("MemberId") ?? ""] = assignment.Bytes("Assignment") ?? [];
            }
            return new SpecObject
            {
                ["ProtocolType"] = group.ProtocolType,
                ["ProtocolName"] = group.ProtocolName,
                ["Assignment"] = group.Assignments.TryGetValue(memberId, out var mine) ? mine : [],
            };
        }
    }

    private SpecObject LeaveGroup(SpecObject request)
    {
        var group = Group(request.Str("GroupId"));
        var leaving = request.Objects("Members").Select(m => m.Str("MemberId") ?? "").ToList();
        if (request.Str("MemberId") is { } single)
        {
            leaving.Add(single);
        }
        lock (_lock)
        {
            foreach (var member in leaving)
            {
                group.MemberMetadata.Remove(member);
                group.Assignments.Remove(member);
            }
        }
        return new SpecObject
        {
            ["Members"] = request.Objects("Members").Select(m => (object?)new SpecObject { ["MemberId"] = m.Str("MemberId"), ["GroupInstanceId"] = m.Str("GroupInstanceId") }).ToList(),
        };
    }

    private SpecObject OffsetCommit(SpecObject request)
    {
        var group = Group(request.Str("GroupId"));
        var topics = new List<object?>();
        foreach (var commitTopic in request.Objects("Topics"))
        {
            var name = commitTopic.Str("Name") ?? Topic(commitTopic, create: false)?.Name ?? "";
            var partitions = new List<object?>();
            foreach (var partition in commitTopic.Objects("Partitions"))
            {
                lock (_lock)
                {
                    group.Offsets[(name, partition.Int("PartitionIndex"))] = (partition.Long("CommittedOffset"), partition.Str("CommittedMetadata"));
                }
                partitions.Add(new SpecObject { ["PartitionIndex"] = partition.Int("PartitionIndex") });
            }
            topics.Add(new SpecObject { ["Name"] = commitTopic.Str("Name"), ["TopicId"] = commitTopic.Uuid("TopicId"), ["Partitions"] = partitions });
        }
        return new SpecObject { ["Topics"] = topics };
    }

    private SpecObject OffsetFetch(SpecObject request, short version)
    {
        if (version < 8)
        {
            var response = OffsetFetchGroup(request.Str("GroupId"), request, "PartitionIndexes");
            response["ErrorCode"] = 0;
            return response;
        }
        return new SpecObject
        {
            ["Groups"] = request.Objects("Groups").Select(g =>
            {
                var response = OffsetFetchGroup(g.Str("GroupId"), g, "PartitionIndexes");
                response["GroupId"] = g.Str("GroupId");
                return (object?)response;
            }).ToList(),
        };
    }

    private SpecObject OffsetFetchGroup(string? groupId, SpecObject request, string partitionsField)
    {
        var group = Group(groupId);
        var topics = new List<object?>();
        lock (_lock)
        {
            var wanted = request.IsNullArray("Topics")
                ? group.Offsets.Keys.GroupBy(k => k.Topic).Select(g => (Name: g.Key, Id: Guid.Empty, Partitions: g.Select(k => (long)k.Partition).ToList()))
                : request.Objects("Topics").Select(t => (Name: t.Str("Name") ?? "", Id: t.Uuid("TopicId"), Partitions: t.Longs(partitionsField) ?? []));
            foreach (var (name, id, partitions) in wanted.ToList())
            {
                var topicName = name.Length > 0 ? name : _topics.Values.FirstOrDefault(t => t.Id == id)?.Name ?? "";
                topics.Add(new SpecObject
                {
                    ["Name"] = name,
                    ["TopicId"] = id,
                    ["Partitions"] = partitions.Select(p =>
                    {
                        var found = group.Offsets.TryGetValue((topicName, (int)p), out var committed);
                        return (object?)new SpecObject
                        {
                            ["PartitionIndex"] = p,
                            ["CommittedOffset"] = found ? committed.Offset : -1L,
                            ["CommittedLeaderEpoch"] = -1,
                            ["Metadata"] = found ? committed.Metadata ?? "" : "",
                        };
                    }).ToList(),
                });
            }
        }
        return new SpecObject { ["Topics"] = topics };
    }

    private SpecObject InitProducerId() => new()
    {
        ["ProducerId"] = Interlocked.Increment(ref _nextProducerId),
        ["ProducerEpoch"] = 0,
    };
}
