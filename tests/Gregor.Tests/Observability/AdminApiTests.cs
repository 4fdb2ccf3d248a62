using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gregor.Tests.Observability;

/// <summary>
/// Contract tests of the admin HTTP API (/v1 on the host's listener) against a real
/// <c>gregor serve</c>: shapes and values after a known workload, RFC 7807 problems for bad paths
/// and parameters, and the OpenAPI document matching the routes.
/// </summary>
public sealed partial class AdminApiTests
{
    [Fact]
    public async Task ClusterBrokersAndTopics_DescribeWhatWasCreated()
    {
        await using var broker = await ObservedBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        await broker.CreateTopicAsync(connection, "api-orders", partitions: 3);
        var batch = TestBatches.Build(recordCount: 4, valueSize: 20);
        await ObservedBroker.ProduceAsync(connection, "api-orders", 1, batch);
        await ObservedBroker.CommitAsync(connection, "api-reader", "api-orders", (1, 1));

        var cluster = await broker.GetJsonAsync("/v1/cluster");
        Assert.Equal(1, cluster.GetProperty("controllerId").GetInt32());
        var self = Assert.Single(cluster.GetProperty("brokers").EnumerateArray());
        Assert.Equal(broker.Process.Port, self.GetProperty("port").GetInt32());
        Assert.True(self.GetProperty("isThisNode").GetBoolean());
        Assert.Equal(0, cluster.GetProperty("offlinePartitions").GetInt32());
        Assert.False(string.IsNullOrEmpty(cluster.GetProperty("clusterId").GetString()));

        var brokerDetail = await broker.GetJsonAsync("/v1/brokers/1");
        Assert.Contains(brokerDetail.GetProperty("configs").EnumerateArray(), c => c.GetProperty("name").GetString() == "log.dirs");

        var topics = await broker.GetJsonAsync("/v1/topics");
        var listed = Assert.Single(topics.EnumerateArray());
        Assert.Equal("api-orders", listed.GetProperty("name").GetString());
        Assert.Equal(3, listed.GetProperty("partitions").GetInt32());
        Assert.Equal(4, listed.GetProperty("records").GetInt64());
        Assert.Equal(batch.Length, listed.GetProperty("sizeBytes").GetInt64());
        var withInternal = await broker.GetJsonAsync("/v1/topics?internal=true");
        Assert.Contains(withInternal.EnumerateArray(), t => t.GetProperty("name").GetString() == "__consumer_offsets" && t.GetProperty("internal").GetBoolean());

        var topic = await broker.GetJsonAsync("/v1/topics/api-orders");
        var partitions = topic.GetProperty("partitions").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], partitions.Select(p => p.GetProperty("partition").GetInt32()));
        Assert.Equal(4, partitions[1].GetProperty("logEndOffset").GetInt64());
        Assert.Equal(4, partitions[1].GetProperty("highWatermark").GetInt64());
        Assert.Equal(batch.Length, partitions[1].GetProperty("sizeBytes").GetInt64());
        Assert.Equal(0, partitions[0].GetProperty("logEndOffset").GetInt64());
        Assert.Equal([1], partitions[2].GetProperty("isr").EnumerateArray().Select(r => r.GetInt32()));
        Assert.Contains(topic.GetProperty("configs").EnumerateArray(), c => c.GetProperty("name").GetString() == "retention.ms" && c.GetProperty("value").GetString() == "604800000");
    }

    [Fact]
    public async Task Groups_ShowCommittedOffsetsAndLag()
    {
        await using var broker = await ObservedBroker.StartAsync();
        using var connection = await broker.ConnectAsync();
        await broker.CreateTopicAsync(connection, "api-lag", partitions: 2);
        await ObservedBroker.ProduceAsync(connection, "api-lag", 0, TestBatches.Build(recordCount: 9));
        await ObservedBroker.ProduceAsync(connection, "api-lag", 1, TestBatches.Build(recordCount: 2));
        await ObservedBroker.CommitAsync(connection, "api-group", "api-lag", (0, 4), (1, 2));

        var groups = await broker.GetJsonAsync("/v1/groups");
        var listed = Assert.Single(groups.EnumerateArray());
        Assert.Equal("api-group", listed.GetProperty("groupId").GetString());
        Assert.Equal("Empty", listed.GetProperty("state").GetString());
        Assert.Equal(5, listed.GetProperty("totalLag").GetInt64());
        Assert.Empty((await broker.GetJsonAsync("/v1/groups?state=Stable")).EnumerateArray());

        var group = await broker.GetJsonAsync("/v1/groups/api-group");
        Assert.Empty(group.GetProperty("members").EnumerateArray());
        var offsets = group.GetProperty("offsets").EnumerateArray()
            .Select(o => (o.GetProperty("topic").GetString(), o.GetProperty("partition").GetInt32(), o.GetProperty("committedOffset").GetInt64(), o.GetProperty("endOffset").GetInt64(), o.GetProperty("lag").GetInt64()))
            .ToList();
        Assert.Equal([("api-lag", 0, 4L, 9L, 5L), ("api-lag", 1, 2L, 2L, 0L)], offsets);
    }

    [Fact]
    public async Task TopicCreateAndDelete_ThroughTheApi_AreSeenByKafkaClients()
    {
        await using var broker = await ObservedBroker.StartAsync();

        using var created = await broker.Http.PostAsJsonAsync(new Uri("/v1/topics", UriKind.Relative), new { name = "api-made", partitions = 2 }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using (var connection = await broker.ConnectAsync())
        {
            var metadata = await KafkaWire.RoundTripAsync<Gregor.Protocol.Messages.MetadataResponse>(connection, new Gregor.Protocol.Messages.MetadataRequest { Topics = [new() { Name = "api-made" }], AllowAutoTopicCreation = false }, 9);
            var topic = Assert.Single(metadata!.Topics);
            Assert.Equal(0, topic.ErrorCode);
            Assert.Equal(2, topic.Partitions.Count);
        }
        using var again = await broker.Http.PostAsJsonAsync(new Uri("/v1/topics", UriKind.Relative), new { name = "api-made" }, TestContext.Current.CancellationToken);
        await AssertProblemAsync(again, HttpStatusCode.Conflict, "already exists");

        using var deleted = await broker.Http.DeleteAsync(new Uri("/v1/topics/api-made", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        var (status, _, _) = await broker.GetAsync("/v1/topics/api-made");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Theory]
    [InlineData("/v1/topics/no-such-topic", 404, "topic \"no-such-topic\" does not exist")]
    [InlineData("/v1/topics/bad%20name", 400, "is not a valid topic name")]
    [InlineData("/v1/topics?internal=perhaps", 400, "internal must be true or false")]
    [InlineData("/v1/groups/nobody", 404, "group \"nobody\" does not exist")]
    [InlineData("/v1/groups?state=Sleeping", 400, "state must be one of")]
    [InlineData("/v1/brokers/abc", 400, "broker id must be a non-negative integer")]
    [InlineData("/v1/brokers/7", 404, "broker 7 is not registered")]
    [InlineData("/v1/no-such-thing", 404, "no admin API route GET /v1/no-such-thing")]
    public async Task BadPathsAndParameters_GetAProblemWithAClearMessage(string path, int status, string message)
    {
        await using var broker = await ObservedBroker.StartAsync();

        using var response = await broker.Http.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, (HttpStatusCode)status, message);
    }

    [Fact]
    public async Task CreateTopic_WithABadBody_GetsAProblem()
    {
        await using var broker = await ObservedBroker.StartAsync();

        using var notJson = await broker.Http.PostAsync(new Uri("/v1/topics", UriKind.Relative), new StringContent("{nope", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        await AssertProblemAsync(notJson, HttpStatusCode.BadRequest, "the body must be JSON");
        using var noName = await broker.Http.PostAsJsonAsync(new Uri("/v1/topics", UriKind.Relative), new { partitions = 1 }, TestContext.Current.CancellationToken);
        await AssertProblemAsync(noName, HttpStatusCode.BadRequest, "the body must name the topic");
        using var zero = await broker.Http.PostAsJsonAsync(new Uri("/v1/topics", UriKind.Relative), new { name = "zero", partitions = 0 }, TestContext.Current.CancellationToken);
        await AssertProblemAsync(zero, HttpStatusCode.BadRequest, "");
    }

    [Fact]
    public async Task Health_LiveAndReady_AnswerWhileRunning()
    {
        await using var broker = await ObservedBroker.StartAsync();

        foreach (var path in new[] { "/v1/health", "/v1/health/live", "/v1/health/ready" })
        {
            var (status, contentType, body) = await broker.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("application/json", contentType);
            Assert.Equal("""{"state":"running","step":null}""", body);
        }
    }

    [Fact]
    public async Task OpenApiDocument_DescribesExactlyTheRoutes()
    {
        await using var broker = await ObservedBroker.StartAsync();

        var document = await broker.GetJsonAsync("/v1/openapi.json");

        Assert.StartsWith("3.", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var documented = document.GetProperty("paths").EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(m => (m.Name.ToUpperInvariant(), p.Name)))
            .Order()
            .ToList();
        Assert.Equal(Gregor.Http.AdminApi.Routes.Order().ToList(), documented);
        // Every GET route without parameters answers (no 404) on a running broker.
        foreach (var (method, template) in documented.Where(r => r.Item1 == "GET" && !r.Item2.Contains('{', StringComparison.Ordinal)))
        {
            var (status, _, body) = await broker.GetAsync(template);
            Assert.True(status == HttpStatusCode.OK, $"{method} {template}: {status} {body}");
        }
        // Every schema reference resolves.
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (Match reference in SchemaReference().Matches(document.GetRawText()))
        {
            Assert.True(schemas.TryGetProperty(reference.Groups[1].Value, out _), $"unresolved {reference.Value}");
        }
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string message)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, $"{response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.Contains(message, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [GeneratedRegex("\"\\$ref\": ?\"#/components/schemas/([A-Za-z]+)\"")]
    private static partial Regex SchemaReference();
}
