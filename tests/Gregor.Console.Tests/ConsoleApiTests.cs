using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Gregor.Console.Tests;

/// <summary>
/// The console's HTTP surface against a real <c>gregor serve</c>: the embedded page and its files,
/// the JSON endpoints' answers, and problem documents (never a crash or an HTML error page) for
/// bad paths, bodies and parameters.
/// </summary>
public sealed partial class ConsoleApiTests
{
    [Fact]
    public async Task ConsoleEndpoints_ServeThePage_AndAnswerBadInputWithProblems()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var broker = await GregorProcess.StartAsync();
        var page = new Uri(ConsoleUrlLine().Match(broker.Output).Groups[1].Value);
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(page, "/") };

        // The page and its modules come from the binary; "/" leads to it.
        var root = await http.GetAsync("/", cancel);
        Assert.Equal(HttpStatusCode.Redirect, root.StatusCode);
        Assert.Equal("/console/", root.Headers.Location?.OriginalString);
        var html = await http.GetAsync("/console/", cancel);
        Assert.Equal("text/html", html.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script type=\"module\" src=\"app.js\">", await html.Content.ReadAsStringAsync(cancel), StringComparison.Ordinal);
        var module = await http.GetAsync("/console/topology.js", cancel);
        Assert.Equal("text/javascript", module.Content.Headers.ContentType?.MediaType);
        var revalidate = new HttpRequestMessage(HttpMethod.Get, "/console/topology.js");
        revalidate.Headers.IfNoneMatch.Add(module.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(revalidate, cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/console/no-such-file.js", cancel)).StatusCode);

        // Creating a topic, then the mistakes people make.
        var created = await http.PostAsJsonAsync("/v1/console/topics", new { name = "api-topic", partitions = 2 }, cancel);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await AssertProblemAsync(await http.PostAsJsonAsync("/v1/console/topics", new { name = "api-topic", partitions = 2 }, cancel), HttpStatusCode.Conflict, "already exists");
        await AssertProblemAsync(await http.PostAsJsonAsync("/v1/console/topics", new { partitions = 2 }, cancel), HttpStatusCode.BadRequest, "'name'");
        await AssertProblemAsync(await http.PostAsJsonAsync("/v1/console/topics", new { name = "bad name!" }, cancel), HttpStatusCode.BadRequest, "illegal");
        await AssertProblemAsync(await http.PostAsync("/v1/console/topics", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"), cancel), HttpStatusCode.BadRequest, "not valid JSON");
        await AssertProblemAsync(await http.PostAsync("/v1/console/topics", new StringContent("[1]", System.Text.Encoding.UTF8, "application/json"), cancel), HttpStatusCode.BadRequest, "JSON object");

        // Messages: produce one, read it back; bad partitions and parameters are refused.
        var produced = await http.PostAsJsonAsync("/v1/console/topics/api-topic/messages", new { partition = 1, key = "k", value = "v", headers = new[] { new { key = "h", value = "x" } } }, cancel);
        Assert.Equal(HttpStatusCode.Created, produced.StatusCode);
        using (var read = JsonDocument.Parse(await http.GetStringAsync("/v1/console/topics/api-topic/messages?partition=1&offset=0", cancel)))
        {
            var record = Assert.Single(read.RootElement.GetProperty("records").EnumerateArray());
            Assert.Equal("k", System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(record.GetProperty("key").GetString()!)));
            Assert.Equal("h", record.GetProperty("headers")[0].GetProperty("key").GetString());
        }
        await AssertProblemAsync(await http.PostAsJsonAsync("/v1/console/topics/api-topic/messages", new { partition = 7, value = "v" }, cancel), HttpStatusCode.BadRequest, "partitions");
        await AssertProblemAsync(await http.PostAsJsonAsync("/v1/console/topics/api-topic/messages", new { value = 12 }, cancel), HttpStatusCode.BadRequest, "strings or null");
        await AssertProblemAsync(await http.PostAsJsonAsync("/v1/console/topics/nope/messages", new { value = "v" }, cancel), HttpStatusCode.NotFound, "does not exist");
        await AssertProblemAsync(await http.GetAsync("/v1/console/topics/api-topic/messages?partition=x", cancel), HttpStatusCode.BadRequest, "'partition'");
        await AssertProblemAsync(await http.GetAsync("/v1/console/topics/api-topic/messages?limit=100000", cancel), HttpStatusCode.BadRequest, "'limit'");
        await AssertProblemAsync(await http.GetAsync("/v1/console/topics/api-topic/messages?partition=9", cancel), HttpStatusCode.NotFound, "not hosted");

        // Configs: a valid override is applied, an unknown config and an empty change are refused.
        Assert.Equal(HttpStatusCode.NoContent, (await http.PutAsJsonAsync("/v1/console/topics/api-topic/configs", new { set = new Dictionary<string, string> { ["retention.ms"] = "60000" } }, cancel)).StatusCode);
        using (var described = JsonDocument.Parse(await http.GetStringAsync("/v1/console/topics/api-topic", cancel)))
        {
            var retention = described.RootElement.GetProperty("configs").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "retention.ms");
            Assert.Equal(("60000", true), (retention.GetProperty("value").GetString(), retention.GetProperty("isOverride").GetBoolean()));
        }
        await AssertProblemAsync(await http.PutAsJsonAsync("/v1/console/topics/api-topic/configs", new { set = new Dictionary<string, string> { ["no.such.config"] = "1" } }, cancel), HttpStatusCode.BadRequest, "no.such.config");
        await AssertProblemAsync(await http.PutAsJsonAsync("/v1/console/topics/api-topic/configs", new { }, cancel), HttpStatusCode.BadRequest, "nothing to change");

        // Groups, reset and the rest.
        await AssertProblemAsync(await http.GetAsync("/v1/console/groups/no-such-group", cancel), HttpStatusCode.NotFound, "no-such-group");
        await AssertProblemAsync(await http.PostAsJsonAsync("/v1/console/groups/g/reset-offsets", new { topic = "api-topic", to = "sideways" }, cancel), HttpStatusCode.BadRequest, "'to'");
        await AssertProblemAsync(await http.PostAsJsonAsync("/v1/console/groups/g/reset-offsets", new { topic = "api-topic", to = "offset" }, cancel), HttpStatusCode.BadRequest, "'value'");
        var reset = await http.PostAsJsonAsync("/v1/console/groups/g/reset-offsets", new { topic = "api-topic", to = "latest" }, cancel);
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        await AssertProblemAsync(await http.GetAsync("/v1/console/no/such/thing", cancel), HttpStatusCode.NotFound, "no console endpoint");
        Assert.Equal(HttpStatusCode.NoContent, (await http.DeleteAsync("/v1/console/topics/api-topic", cancel)).StatusCode);
        await AssertProblemAsync(await http.DeleteAsync("/v1/console/topics/api-topic", cancel), HttpStatusCode.NotFound, "api-topic");

        // The topology stream sends pictures as server-sent events.
        using var stream = await http.GetAsync("/v1/console/topology/stream", HttpCompletionOption.ResponseHeadersRead, cancel);
        Assert.Equal("text/event-stream", stream.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await stream.Content.ReadAsStreamAsync(cancel));
        var line = await reader.ReadLineAsync(cancel);
        Assert.StartsWith("data: {", line, StringComparison.Ordinal);
        using var picture = JsonDocument.Parse(line!["data: ".Length..]);
        Assert.Equal("running", picture.RootElement.GetProperty("state").GetString());
        Assert.Equal(1, picture.RootElement.GetProperty("brokers").GetArrayLength());
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {status}, got {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(detailContains, problem.RootElement.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex(@"gregor: console at (http://\S+)")]
    private static partial Regex ConsoleUrlLine();
}
