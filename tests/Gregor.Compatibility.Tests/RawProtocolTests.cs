using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Gregor.Compatibility.Tests.Support;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Records;

namespace Gregor.Compatibility.Tests;

/// <summary>
/// Exact protocol bytes against the real broker process, for behaviour no client library exposes
/// field by field (issue 10): Produce v8+ RecordErrors for a compacted topic, InitProducerId's
/// transaction-timeout check, and how a peer's close is answered (FIN, not reset).
/// </summary>
[Collection(BrokerCollection.Name)]
public sealed class RawProtocolTests
{
    private const short ProduceVersion = 9;

    [Fact]
    public async Task Produce_KeylessRecordsToACompactedTopic_AreInvalidRecordWithTheirBatchIndexes_AndOtherPartitionsAreUnaffected()
    {
        await using var broker = await GregorProcess.StartAsync();
        await ConfluentClients.CreateTopicAsync(broker, "raw-compacted", 1, new Dictionary<string, string> { ["cleanup.policy"] = "compact,delete" });
        await ConfluentClients.CreateTopicAsync(broker, "raw-plain", 1);
        using var connection = await ConnectAsync(broker);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var request = new ProduceRequest
        {
            Acks = -1,
            TimeoutMs = 30_000,
            TopicData =
            [
                Topic("raw-compacted", TestBatches.Keyed(CompressionType.None, now, "k0", null, "k2", null)),
                Topic("raw-plain", TestBatches.Keyed(CompressionType.None, now, null, null)),
            ],
        };
        var response = await KafkaWire.RoundTripAsync<ProduceResponse>(connection, request, ProduceVersion);

        var compacted = Assert.Single(response!.Responses.Single(t => t.Name == "raw-compacted").PartitionResponses);
        Assert.Equal((short)ErrorCode.InvalidRecord, compacted.ErrorCode);
        Assert.Equal(-1, compacted.BaseOffset);
        Assert.Equal([1, 3], compacted.RecordErrors.Select(e => e.BatchIndex));
        Assert.All(compacted.RecordErrors, e => Assert.Equal("Compacted topic cannot accept message without key in topic partition raw-compacted-0.", e.BatchIndexErrorMessage));
        Assert.Contains("Compacted topic cannot accept message without key", compacted.ErrorMessage, StringComparison.Ordinal);
        var plain = Assert.Single(response.Responses.Single(t => t.Name == "raw-plain").PartitionResponses);
        Assert.Equal((short)ErrorCode.None, plain.ErrorCode);
        Assert.Equal(0, plain.BaseOffset);
        Assert.Empty(plain.RecordErrors);

        // Nothing of the refused batch reached the log; a batch with every key does.
        var keyed = await KafkaWire.RoundTripAsync<ProduceResponse>(
            connection, new ProduceRequest { Acks = -1, TimeoutMs = 30_000, TopicData = [Topic("raw-compacted", TestBatches.Keyed(CompressionType.None, now, "a", "b"))] }, ProduceVersion, correlationId: 2);
        var accepted = Assert.Single(Assert.Single(keyed!.Responses).PartitionResponses);
        Assert.Equal(((short)ErrorCode.None, 0L), (accepted.ErrorCode, accepted.BaseOffset));
    }

    [Fact]
    public async Task InitProducerId_TransactionTimeoutAboveTransactionMaxTimeoutMs_IsInvalidTransactionTimeout()
    {
        await using var broker = await GregorProcess.StartAsync();
        using var connection = await ConnectAsync(broker);

        var tooLong = await KafkaWire.RoundTripAsync<InitProducerIdResponse>(
            connection, new InitProducerIdRequest { TransactionalId = "raw-tx", TransactionTimeoutMs = 900_001, ProducerId = -1, ProducerEpoch = -1 }, 4, correlationId: 1);
        var atTheMaximum = await KafkaWire.RoundTripAsync<InitProducerIdResponse>(
            connection, new InitProducerIdRequest { TransactionalId = "raw-tx", TransactionTimeoutMs = 900_000, ProducerId = -1, ProducerEpoch = -1 }, 4, correlationId: 2);

        Assert.Equal(((short)ErrorCode.InvalidTransactionTimeout, -1L, (short)-1), (tooLong!.ErrorCode, tooLong.ProducerId, tooLong.ProducerEpoch));
        Assert.Equal((short)ErrorCode.None, atTheMaximum!.ErrorCode);
        Assert.True(atTheMaximum.ProducerId >= 0);
    }

    [Fact]
    public async Task InitProducerId_TransactionMaxTimeoutMs_IsReadFromTheBrokerConfig()
    {
        await using var broker = await GregorProcess.StartAsync(["transaction.max.timeout.ms=1000"]);
        using var connection = await ConnectAsync(broker);

        var response = await KafkaWire.RoundTripAsync<InitProducerIdResponse>(
            connection, new InitProducerIdRequest { TransactionalId = "raw-tx", TransactionTimeoutMs = 1001, ProducerId = -1, ProducerEpoch = -1 }, 4);

        Assert.Equal((short)ErrorCode.InvalidTransactionTimeout, response!.ErrorCode);
    }

    [Fact]
    public async Task HalfCloseAfterApiVersions_TheResponseArrivesThenEndOfStream_NotConnectionReset()
    {
        await using var broker = await GregorProcess.StartAsync();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, broker.Port), TestContext.Current.CancellationToken);
        var payload = KafkaWire.Request(new ApiVersionsRequest { ClientSoftwareName = "raw", ClientSoftwareVersion = "1" }, 3, correlationId: 5);
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);

        await socket.SendAsync(frame, SocketFlags.None, TestContext.Current.CancellationToken);
        socket.Shutdown(SocketShutdown.Send);

        // Everything until the broker's FIN; a reset would throw SocketException (ECONNRESET) here.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }
        var bytes = received.ToArray();
        Assert.True(bytes.Length > 4, "the ApiVersions response arrives before the end of the stream");
        Assert.Equal(bytes.Length - 4, BinaryPrimitives.ReadInt32BigEndian(bytes));
        var response = KafkaWire.Response<ApiVersionsResponse>(bytes[4..], 3, out var correlationId);
        Assert.Equal((5, (short)0), (correlationId, response.ErrorCode));
    }

    private static Task<RawKafkaConnection> ConnectAsync(GregorProcess broker) =>
        RawKafkaConnection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, broker.Port));

    private static ProduceRequest.TopicProduceData Topic(string name, byte[] batch) => new()
    {
        Name = name,
        PartitionData = [new ProduceRequest.PartitionProduceData { Index = 0, Records = batch }],
    };
}
