using System.Buffers.Binary;
using System.Net.Sockets;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;

namespace Gregor.Compatibility.Tests.Support;

/// <summary>
/// Admin requests librdkafka cannot send, as raw protocol to the real process: its admin API
/// refuses a config resource with an empty name ("Resource must be specified"), which is how
/// Kafka names the cluster-wide default broker entity. Stateless.
/// </summary>
internal static class RawAdminRequests
{
    /// <summary>IncrementalAlterConfigs v1 SET of one key on the cluster-wide default broker resource; the error code and message.</summary>
    public static async Task<(short Error, string? Message)> SetClusterDefaultAsync(GregorProcess broker, string name, string value)
    {
        var request = new IncrementalAlterConfigsRequest
        {
            Resources = [new() { ResourceType = 4, ResourceName = "", Configs = [new() { Name = name, ConfigOperation = 0, Value = value }] }],
        };
        const short version = 1;
        using var writer = new ProtocolWriter();
        MessageFraming.WriteRequest(writer, new RequestHeader { ApiKey = request.ApiKey, ApiVersion = version, CorrelationId = 1, ClientId = "raw-admin" }, request);
        using var client = new TcpClient();
        var endpoint = broker.BootstrapServers.Split(':');
        await client.ConnectAsync(endpoint[0], int.Parse(endpoint[1], System.Globalization.CultureInfo.InvariantCulture));
        var stream = client.GetStream();
        await stream.WriteAsync(writer.WrittenSpan.ToArray());
        var prefix = new byte[4];
        await stream.ReadExactlyAsync(prefix);
        var payload = new byte[BinaryPrimitives.ReadInt32BigEndian(prefix)];
        await stream.ReadExactlyAsync(payload);
        var reader = new ProtocolReader(payload);
        ResponseHeader.Read(ref reader, ApiMessageFactory.ResponseHeaderVersion(request.ApiKey, version));
        var response = (IncrementalAlterConfigsResponse)MessageFraming.ReadResponseBody(ref reader, request.ApiKey, version);
        var result = response.Responses.Single();
        return (result.ErrorCode, result.ErrorMessage);
    }
}
