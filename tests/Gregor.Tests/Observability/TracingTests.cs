using System.Diagnostics;
using System.Text;

namespace Gregor.Tests.Observability;

/// <summary>
/// With <c>gregor.otlp.endpoint</c> set, the broker exports one span per Kafka request over
/// OTLP/HTTP (protobuf), named and tagged after the messaging conventions, and a produce span
/// links to the W3C traceparent header its records carry. Checked against an in-test receiver.
/// </summary>
public sealed class TracingTests
{
    [Fact]
    public async Task ProduceSpan_IsExportedOverOtlp_WithMessagingAttributes_AndLinksTheRecordsTraceparent()
    {
        await using var receiver = new OtlpReceiver();
        await using var broker = await GregorProcess.StartAsync([$"gregor.otlp.endpoint={receiver.Endpoint}"]);
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();
        var traceparent = $"00-{traceId.ToHexString()}-{spanId.ToHexString()}-01";
        Assert.Equal(0, (await Tool.RunSeparatelyAsync("dotnet", [GregorProcess.GregorDll, "topics", "create", "traced", "--bootstrap-server", broker.BootstrapServers], "")).ExitCode);

        var produced = await Tool.RunSeparatelyAsync("dotnet", [GregorProcess.GregorDll, "produce", "--topic", "traced", "--value", "v", "--header", $"traceparent={traceparent}", "--bootstrap-server", broker.BootstrapServers], "");
        Assert.True(produced.ExitCode == 0, produced.Stderr);

        var traceIdBytes = Convert.FromHexString(traceId.ToHexString());
        var spanIdBytes = Convert.FromHexString(spanId.ToHexString());
        // The exporter sends in batches (every 5 s by default).
        await Eventually.TrueAsync(
            () => receiver.Requests.Any(r => ProtobufStrings.Fields(r.Body).Any(f => f.AsSpan().SequenceEqual(traceIdBytes))),
            "a span linking the producer's trace id",
            TimeSpan.FromSeconds(60));
        var request = receiver.Requests.First(r => ProtobufStrings.Fields(r.Body).Any(f => f.AsSpan().SequenceEqual(traceIdBytes)));
        Assert.Equal("/v1/traces", request.Path);
        Assert.Equal("application/x-protobuf", request.ContentType);
        var fields = ProtobufStrings.Fields(request.Body);
        var strings = fields.Select(f => Encoding.UTF8.GetString(f)).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("send traced", strings);
        Assert.Contains("messaging.system", strings);
        Assert.Contains("kafka", strings);
        Assert.Contains("messaging.destination.name", strings);
        Assert.Contains("messaging.client.id", strings);
        Assert.Contains("gregor-cli", strings);
        Assert.Contains("Gregor.Broker", strings);
        Assert.Contains("gregor", strings); // service.name
        Assert.Contains(fields, f => f.AsSpan().SequenceEqual(spanIdBytes));
    }
}
