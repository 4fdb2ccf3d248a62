using System.Net;
using Gregor.Protocol.Messages;

namespace Gregor.Tests.Observability;

/// <summary>
/// <c>GET /metrics</c> of a real <c>gregor serve</c>: after a known workload the Prometheus text
/// shows exact record, byte and request counts and the lag of a lagging group, and Prometheus's
/// own parser (promtool) accepts it.
/// </summary>
public sealed class MetricsEndpointTests
{
    private const string Topic = "metrics-orders";

    [Fact]
    public async Task Metrics_AfterAKnownWorkload_ShowExactCountsBytesRequestsAndLag()
    {
        await using var broker = await ObservedBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        await broker.CreateTopicAsync(connection, Topic, partitions: 2);
        var first = TestBatches.Build(recordCount: 5, valueSize: 10);
        var second = TestBatches.Build(recordCount: 3, valueSize: 100);
        var third = TestBatches.Build(recordCount: 2, valueSize: 7);
        Assert.Equal(0, await ObservedBroker.ProduceAsync(connection, Topic, 0, first));
        Assert.Equal(5, await ObservedBroker.ProduceAsync(connection, Topic, 0, third));
        Assert.Equal(0, await ObservedBroker.ProduceAsync(connection, Topic, 1, second));
        var fetched = await ObservedBroker.FetchAsync(connection, Topic, 0, 0);
        Assert.Equal(first.Length + third.Length, fetched);
        // "lagging" read 2 of partition 0's 7 records and all 3 of partition 1.
        await ObservedBroker.CommitAsync(connection, "lagging", Topic, (0, 2), (1, 3));

        var metrics = await ScrapeAsync(broker);

        var topic = ("topic", Topic);
        Assert.Equal(10, metrics.Value("gregor_partitions_records_in_total", topic));
        Assert.Equal(first.Length + second.Length + third.Length, metrics.Value("gregor_partitions_bytes_in_bytes_total", topic));
        Assert.Equal(first.Length + third.Length, metrics.Value("gregor_partitions_bytes_out_bytes_total", topic));
        Assert.Equal(3, metrics.Value("gregor_network_requests_total", ("api", "Produce"), ("version", "9")));
        Assert.Equal(1, metrics.Value("gregor_network_requests_total", ("api", "Fetch"), ("version", "11")));
        Assert.Equal(1, metrics.Value("gregor_network_requests_total", ("api", "OffsetCommit"), ("version", "7")));
        Assert.Equal(3, metrics.Value("gregor_network_request_duration_seconds_count", ("api", "Produce")));
        Assert.Equal(7, metrics.Value("gregor_partitions_log_end_offset", topic, ("partition", "0")));
        Assert.Equal(3, metrics.Value("gregor_partitions_high_watermark", topic, ("partition", "1")));
        Assert.Equal(0, metrics.Value("gregor_partitions_log_start_offset", topic, ("partition", "0")));
        Assert.Equal(first.Length + third.Length, metrics.Value("gregor_partitions_log_size_bytes", topic, ("partition", "0")));
        Assert.Equal(1, metrics.Value("gregor_partitions_log_segments", topic, ("partition", "1")));
        Assert.Equal(5, metrics.Value("gregor_groups_lag", ("group", "lagging"), topic, ("partition", "0")));
        Assert.Equal(0, metrics.Value("gregor_groups_lag", ("group", "lagging"), topic, ("partition", "1")));
        Assert.Equal(2, metrics.Value("gregor_groups_committed_offset", ("group", "lagging"), topic, ("partition", "0")));
        Assert.Equal(1, metrics.Value("gregor_groups_state", ("group", "lagging"), ("state", "Empty")));
        Assert.Equal(0, metrics.Value("gregor_groups_members", ("group", "lagging")));
        Assert.Equal(0, metrics.Value("gregor_partitions_under_replicated"));
        Assert.Equal(0, metrics.Value("gregor_partitions_offline"));
        Assert.Equal(0, metrics.Value("gregor_partitions_purgatory_size", ("kind", "fetch")));
        Assert.Equal(1, metrics.Value("gregor_network_connections_active"));
        // The runtime's gauges ride along (GC, heap, thread pool).
        Assert.True(metrics.Has("dotnet_gc_collections_total"));
        Assert.True(metrics.Has("dotnet_thread_pool_thread_count"));
        Assert.True(metrics.Has("dotnet_gc_last_collection_heap_size_bytes"));
        // No meter label on every sample (docs/metrics.md, "Overhead"): the names say the meter.
        Assert.DoesNotContain("otel_scope_name", metrics.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_SplitRequestTimeAsKafka_ALongPollWaitIsRemoteTime()
    {
        await using var broker = await ObservedBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        await broker.CreateTopicAsync(connection, Topic, partitions: 1);
        await ObservedBroker.ProduceAsync(connection, Topic, 0, TestBatches.Build(recordCount: 2));

        // Nothing beyond offset 2: the fetch waits its full 200 ms in the fetch purgatory.
        var response = await KafkaWire.RoundTripAsync<FetchResponse>(connection, new FetchRequest
        {
            MaxWaitMs = 200,
            MinBytes = 1,
            MaxBytes = 1 << 20,
            Topics = [new FetchRequest.FetchTopic { Topic = Topic, Partitions = [new FetchRequest.FetchPartition { Partition = 0, FetchOffset = 2, PartitionMaxBytes = 1 << 20 }] }],
        }, 11);
        Assert.Equal(0, Assert.Single(Assert.Single(response!.Responses).Partitions).ErrorCode);
        var metrics = await ScrapeAsync(broker);

        var fetch = ("api", "Fetch");
        Assert.Equal(1, metrics.Value("gregor_network_request_remote_duration_seconds_count", fetch));
        Assert.InRange(metrics.Value("gregor_network_request_remote_duration_seconds_sum", fetch), 0.2, 10);
        Assert.Equal(1, metrics.Value("gregor_network_request_queue_duration_seconds_count", fetch));
        Assert.Equal(1, metrics.Value("gregor_network_request_local_duration_seconds_count", fetch));
        // Local time excludes the purgatory wait.
        Assert.True(metrics.Value("gregor_network_request_local_duration_seconds_sum", fetch) < metrics.Value("gregor_network_request_remote_duration_seconds_sum", fetch));
        Assert.Equal(1, metrics.Value("gregor_network_request_response_send_duration_seconds_count", fetch));
        Assert.Equal(1, metrics.Value("gregor_network_request_response_queue_duration_seconds_count", fetch));
        // An acks=1 produce never waits in the purgatory: remote time recorded, as zero.
        var produce = ("api", "Produce");
        Assert.Equal(1, metrics.Value("gregor_network_request_remote_duration_seconds_count", produce));
        Assert.Equal(0, metrics.Value("gregor_network_request_remote_duration_seconds_sum", produce));
        Assert.InRange(metrics.Value("gregor_network_request_duration_seconds_sum", fetch), 0.2, 10);
    }

    [Fact]
    public async Task Metrics_CountResponseErrorCodesPerApiAndError()
    {
        await using var broker = await ObservedBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        await broker.CreateTopicAsync(connection, Topic, partitions: 1);
        // Twice more: two topics of one request already exist, a third is new.
        var again = await KafkaWire.RoundTripAsync<CreateTopicsResponse>(connection, new CreateTopicsRequest
        {
            timeoutMs = 30_000,
            Topics =
            [
                new CreateTopicsRequest.CreatableTopic { Name = Topic, NumPartitions = 1, ReplicationFactor = 1 },
                new CreateTopicsRequest.CreatableTopic { Name = "metrics-fresh", NumPartitions = 1, ReplicationFactor = 1 },
            ],
        }, 5);
        Assert.Equal([36, 0], again!.Topics.Select(t => (int)t.ErrorCode));
        await KafkaWire.RoundTripAsync<CreateTopicsResponse>(connection, new CreateTopicsRequest
        {
            timeoutMs = 30_000,
            Topics = [new CreateTopicsRequest.CreatableTopic { Name = Topic, NumPartitions = 1, ReplicationFactor = 1 }],
        }, 5);
        // A fetch of a partition that does not exist: the nested per-partition error is counted.
        var fetch = await KafkaWire.RoundTripAsync<FetchResponse>(connection, new FetchRequest
        {
            MaxWaitMs = 0,
            MaxBytes = 1 << 20,
            Topics = [new FetchRequest.FetchTopic { Topic = Topic, Partitions = [new FetchRequest.FetchPartition { Partition = 7, PartitionMaxBytes = 1 << 20 }] }],
        }, 11);
        var fetchError = Assert.Single(Assert.Single(fetch!.Responses).Partitions).ErrorCode;
        Assert.NotEqual(0, fetchError);

        var metrics = await ScrapeAsync(broker);

        Assert.Equal(2, metrics.Value("gregor_network_request_errors_total", ("api", "CreateTopics"), ("error", "TOPIC_ALREADY_EXISTS")));
        Assert.Equal(1, metrics.Value("gregor_network_request_errors_total", ("api", "Fetch"), ("error", Gregor.Protocol.Errors.ErrorCatalogue.Name((Gregor.Protocol.Errors.ErrorCode)fetchError))));
        // NONE is not counted (documented): a clean response adds nothing.
        Assert.False(metrics.Has("gregor_network_request_errors_total", ("error", "NONE")));
        Assert.False(metrics.Has("gregor_network_request_errors_total", ("api", "Produce")));
    }

    [Fact]
    public async Task Metrics_LagFollowsTheLogBetweenScrapes()
    {
        await using var broker = await ObservedBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        await broker.CreateTopicAsync(connection, Topic, partitions: 1);
        await ObservedBroker.ProduceAsync(connection, Topic, 0, TestBatches.Build(recordCount: 4));
        await ObservedBroker.CommitAsync(connection, "behind", Topic, (0, 4));
        Assert.Equal(0, (await ScrapeAsync(broker)).Value("gregor_groups_lag", ("group", "behind"), ("topic", Topic)));

        await ObservedBroker.ProduceAsync(connection, Topic, 0, TestBatches.Build(recordCount: 6));

        // No waiting: the lag is computed when /metrics is scraped.
        Assert.Equal(6, (await ScrapeAsync(broker)).Value("gregor_groups_lag", ("group", "behind"), ("topic", Topic)));
    }

    [Fact]
    public async Task Metrics_ParseWithPromtool()
    {
        await using var broker = await ObservedBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        await broker.CreateTopicAsync(connection, Topic, partitions: 1);
        await ObservedBroker.ProduceAsync(connection, Topic, 0, TestBatches.Build(recordCount: 3));
        await ObservedBroker.CommitAsync(connection, "promtool", Topic, (0, 1));
        var metrics = await ScrapeAsync(broker);

        var (exitCode, output) = await Tool.RunAsync(Tool.Promtool, ["check", "metrics"], stdin: metrics.Text);

        // 0: clean; 3: parsed, with lint remarks only. The one remark allowed is the "_count"
        // suffix of gauges whose names are not ours to choose (the runtime's dotnet_*_count and
        // gregor.groups.count, a documented name); anything else (1: parse error) fails.
        Assert.True(exitCode is 0 or 3, $"promtool exited {exitCode}:\n{output}");
        var remarks = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(remarks, line => Assert.EndsWith("non-histogram and non-summary metrics should not have \"_count\" suffix", line, StringComparison.Ordinal));
    }

    private static async Task<PrometheusText> ScrapeAsync(ObservedBroker broker)
    {
        var (status, contentType, body) = await broker.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("text/plain", contentType);
        return new PrometheusText(body);
    }
}
