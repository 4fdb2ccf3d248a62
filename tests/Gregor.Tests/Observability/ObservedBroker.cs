using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Gregor.Protocol.Messages;

namespace Gregor.Tests.Observability;

/// <summary>
/// A real <c>gregor serve</c> process with its HTTP listener found from the log, plus the Kafka
/// requests the observability tests use as a known workload (raw protocol, so the record and byte
/// counts are exact). Dispose to stop it.
/// </summary>
internal sealed partial class ObservedBroker : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private ObservedBroker(GregorProcess process, int httpPort)
    {
        Process = process;
        HttpPort = httpPort;
        _http.BaseAddress = new Uri($"http://127.0.0.1:{httpPort}");
    }

    public GregorProcess Process { get; }

    public int HttpPort { get; }

    public HttpClient Http => _http;

    public static async Task<ObservedBroker> StartAsync(IEnumerable<string>? overrides = null)
    {
        var process = await GregorProcess.StartAsync(overrides);
        var port = 0;
        await Eventually.TrueAsync(() => (port = HttpPortIn(process.Output)) > 0, "the host's HTTP listener in the log");
        return new ObservedBroker(process, port);
    }

    public async Task<(HttpStatusCode Status, string ContentType, string Body)> GetAsync(string path)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        var (status, _, body) = await GetAsync(path);
        Assert.True(status == HttpStatusCode.OK, $"GET {path}: {status} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public Task<RawKafkaConnection> ConnectAsync() => RawKafkaConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Process.Port));

    /// <summary>Creates a topic through the Kafka protocol and waits until its partitions are served.</summary>
    public async Task CreateTopicAsync(RawKafkaConnection connection, string name, int partitions)
    {
        var created = await KafkaWire.RoundTripAsync<CreateTopicsResponse>(connection, new CreateTopicsRequest
        {
            timeoutMs = 30_000,
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = partitions, ReplicationFactor = 1 }],
        }, 5);
        Assert.Equal(0, Assert.Single(created!.Topics).ErrorCode);
    }

    /// <summary>Produces one batch to one partition (acks=1) and returns its base offset.</summary>
    public static async Task<long> ProduceAsync(RawKafkaConnection connection, string topic, int partition, byte[] batch)
    {
        var response = await KafkaWire.RoundTripAsync<ProduceResponse>(connection, new ProduceRequest
        {
            Acks = 1,
            TimeoutMs = 30_000,
            TopicData = [new ProduceRequest.TopicProduceData { Name = topic, PartitionData = [new ProduceRequest.PartitionProduceData { Index = partition, Records = batch }] }],
        }, 9);
        var result = Assert.Single(Assert.Single(response!.Responses).PartitionResponses);
        Assert.Equal(0, result.ErrorCode);
        return result.BaseOffset;
    }

    /// <summary>Fetches one partition from an offset (no wait) and returns the record bytes received.</summary>
    public static async Task<int> FetchAsync(RawKafkaConnection connection, string topic, int partition, long offset)
    {
        var response = await KafkaWire.RoundTripAsync<FetchResponse>(connection, new FetchRequest
        {
            MaxWaitMs = 0,
            MinBytes = 0,
            MaxBytes = 1 << 20,
            Topics = [new FetchRequest.FetchTopic { Topic = topic, Partitions = [new FetchRequest.FetchPartition { Partition = partition, FetchOffset = offset, PartitionMaxBytes = 1 << 20 }] }],
        }, 11);
        var data = Assert.Single(Assert.Single(response!.Responses).Partitions);
        Assert.Equal(0, data.ErrorCode);
        return data.Records?.Length ?? 0;
    }

    /// <summary>Commits offsets for a group without members (as tools and admin clients do).</summary>
    public static async Task CommitAsync(RawKafkaConnection connection, string group, string topic, params (int Partition, long Offset)[] offsets)
    {
        // As clients do: find the coordinator first (its first lookup creates __consumer_offsets).
        await Eventually.TrueAsync(async () =>
        {
            var found = await KafkaWire.RoundTripAsync<FindCoordinatorResponse>(connection, new FindCoordinatorRequest { KeyField = group }, 3);
            return found!.ErrorCode == 0;
        }, $"the coordinator of {group}");
        var response = await KafkaWire.RoundTripAsync<OffsetCommitResponse>(connection, new OffsetCommitRequest
        {
            GroupId = group,
            GenerationIdOrMemberEpoch = -1,
            MemberId = "",
            Topics = [new OffsetCommitRequest.OffsetCommitRequestTopic
            {
                Name = topic,
                Partitions = [.. offsets.Select(o => new OffsetCommitRequest.OffsetCommitRequestPartition { PartitionIndex = o.Partition, CommittedOffset = o.Offset })],
            }],
        }, 7);
        Assert.All(Assert.Single(response!.Topics).Partitions, p => Assert.Equal(0, p.ErrorCode));
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Process.DisposeAsync();
    }

    private static int HttpPortIn(string output)
    {
        var match = HttpListening().Match(output);
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"http listening on 127\.0\.0\.1:(\d+)")]
    private static partial Regex HttpListening();
}
