using Gregor.Cluster.Partitions;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Tests.Replication;

public sealed class ProducerIdManagerTests
{
    [Fact]
    public async Task IdempotentProducers_GetDistinctIdsWithEpochZero_AcrossBlocks()
    {
        var next = 5000L;
        var blocks = 0;
        var manager = new ProducerIdManager((size, _) =>
        {
            blocks++;
            var first = next;
            next += size;
            return Task.FromResult(first);
        }, blockSize: 10);

        var ids = new HashSet<long>();
        for (var i = 0; i < 35; i++)
        {
            var (error, id, epoch) = await manager.InitProducerIdAsync(null, -1, -1, TestContext.Current.CancellationToken);
            Assert.Equal((ErrorCode.None, (short)0), (error, epoch));
            Assert.True(ids.Add(id));
        }

        Assert.Equal(35, ids.Count);
        Assert.True(ids.Min() >= 5000);
        Assert.InRange(blocks, 4, 5);
    }

    [Fact]
    public async Task TransactionalId_KeepsItsIdAndBumpsTheEpoch()
    {
        var next = 0L;
        var manager = new ProducerIdManager((size, _) => Task.FromResult(Interlocked.Add(ref next, size) - size));

        var first = await manager.InitProducerIdAsync("tx", -1, -1, TestContext.Current.CancellationToken);
        var second = await manager.InitProducerIdAsync("tx", first.ProducerId, first.ProducerEpoch, TestContext.Current.CancellationToken);
        var stale = await manager.InitProducerIdAsync("tx", first.ProducerId, first.ProducerEpoch, TestContext.Current.CancellationToken);

        Assert.Equal(first.ProducerId, second.ProducerId);
        Assert.Equal(first.ProducerEpoch + 1, second.ProducerEpoch);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, stale.Error);
    }

    [Theory]
    [InlineData("tx", 1000, -1L, (short)-1, ErrorCode.None)]
    [InlineData("tx", 1001, -1L, (short)-1, ErrorCode.InvalidTransactionTimeout)]
    [InlineData("tx", 0, -1L, (short)-1, ErrorCode.InvalidTransactionTimeout)]
    [InlineData("", 1000, -1L, (short)-1, ErrorCode.InvalidRequest)]
    [InlineData(null, 5000, -1L, (short)-1, ErrorCode.None)]
    [InlineData(null, 1000, 7L, (short)-1, ErrorCode.InvalidRequest)]
    [InlineData("tx", 5000, -1L, (short)0, ErrorCode.InvalidRequest)]
    public void ValidateInitProducerId_FollowsKafkasOrderOfChecks(string? transactionalId, int timeoutMs, long producerId, short producerEpoch, ErrorCode expected)
    {
        var manager = new ProducerIdManager((size, _) => Task.FromResult(0L), transactionMaxTimeoutMs: 1000);

        Assert.Equal(expected, manager.ValidateInitProducerId(transactionalId, timeoutMs, producerId, producerEpoch));
    }

    [Fact]
    public async Task EmptyTransactionalId_IsInvalidRequest_NotAnIdempotentProducer()
    {
        var manager = new ProducerIdManager((size, _) => Task.FromResult(0L));

        var result = await manager.InitProducerIdAsync("", -1, -1, TestContext.Current.CancellationToken);

        Assert.Equal((ErrorCode.InvalidRequest, -1L, (short)-1), result);
    }
}
