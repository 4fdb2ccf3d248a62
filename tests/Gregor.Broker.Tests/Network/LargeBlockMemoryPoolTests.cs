using Gregor.Broker.Network;
using Gregor.Broker.Tests.Support;
using Gregor.Protocol.Messages;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Network;

/// <summary>The transport reads into 64 KiB blocks from a bounded pool.</summary>
public sealed class LargeBlockMemoryPoolTests
{
    [Fact]
    public async Task TheBrokersSocketTransport_UsesTheLargeBlockPool()
    {
        await using var broker = await TestBroker.StartAsync();
        using var connection = await broker.ConnectAsync();

        var response = await KafkaWire.RoundTripAsync<ApiVersionsResponse>(connection, new ApiVersionsRequest { ClientSoftwareName = "t", ClientSoftwareVersion = "1" }, 3);

        Assert.NotNull(response);
        var factory = Assert.IsType<LargeBlockMemoryPool.Factory>(broker.Services.GetRequiredService<IMemoryPoolFactory<byte>>());
        Assert.True(factory.PoolsCreated > 0);
    }

    [Fact]
    public void Blocks_AreReused_AndADoubleDisposeReturnsABlockOnce()
    {
        using var pool = new LargeBlockMemoryPool();
        var first = pool.Rent(100);
        Assert.Equal(LargeBlockMemoryPool.BlockSize, first.Memory.Length);
        var array = first.Memory;

        first.Dispose();
        first.Dispose();

        Assert.Throws<ObjectDisposedException>(() => first.Memory);
        Assert.Equal(1, pool.RetainedBlocks);
        using var second = pool.Rent();
        Assert.True(second.Memory.Span == array.Span);
        Assert.Equal(0, pool.RetainedBlocks);
    }

    [Fact]
    public void ThePool_KeepsAtMostMaxRetainedBlocks()
    {
        using var pool = new LargeBlockMemoryPool();
        var blocks = Enumerable.Range(0, LargeBlockMemoryPool.MaxRetainedBlocks + 10).Select(_ => pool.Rent()).ToList();

        blocks.ForEach(b => b.Dispose());

        Assert.Equal(LargeBlockMemoryPool.MaxRetainedBlocks, pool.RetainedBlocks);
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(LargeBlockMemoryPool.BlockSize + 1));
    }
}
