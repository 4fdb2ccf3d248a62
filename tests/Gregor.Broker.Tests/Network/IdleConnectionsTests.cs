using Gregor.Broker.Network;
using Gregor.Broker.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Network;

/// <summary>
/// Thousands of idle connections stay cheap and usable. Runs alone (no parallel tests) because
/// it measures the managed heap.
/// </summary>
[Collection(nameof(IdleConnectionsTests))]
[CollectionDefinition(nameof(IdleConnectionsTests), DisableParallelization = true)]
public sealed class IdleConnectionsTests
{
    [Fact]
    public async Task ThousandIdleConnections_AllStayUsable()
    {
        var processor = new ScriptedRequestProcessor();
        var broker = await TestBroker.StartAsync(configureServices: services => services.AddSingleton<IRequestProcessor>(processor));
        await using var _ = broker;
        var clients = new List<RawKafkaConnection>();
        // Warm up one connection so one-time allocations are not counted per connection.
        using (var warm = await broker.ConnectAsync())
        {
            await warm.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: 0));
            await warm.ReceiveFrameAsync();
        }
        var registry = broker.Services.GetRequiredService<ConnectionRegistry>();
        await Eventually.TrueAsync(() => registry.Count == 0, "the warm-up connection is released");
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        try
        {
            for (var i = 0; i < 1000; i++)
            {
                clients.Add(await broker.ConnectAsync());
            }
            await Eventually.TrueAsync(() => registry.Count == 1000, "the broker holds 1,000 connections");
            // Both ends live in this process: the bound covers the client sockets too.
            var perConnection = (GC.GetTotalMemory(forceFullCollection: true) - heapBefore) / 1000;
            TestContext.Current.SendDiagnosticMessage($"managed heap per idle connection (both ends): {perConnection} bytes");
            Assert.InRange(perConnection, 0, 32 * 1024);

            // Every 50th connection still answers; so does a new one.
            for (var i = 0; i < clients.Count; i += 50)
            {
                await clients[i].SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: i));
                Assert.Equal(i, ScriptedRequestProcessor.ResponseId((await clients[i].ReceiveFrameAsync())!));
            }
            using var fresh = await broker.ConnectAsync();
            await fresh.SendFrameAsync(ScriptedRequestProcessor.Request(ScriptedRequestProcessor.Answer, id: -1));
            Assert.Equal(-1, ScriptedRequestProcessor.ResponseId((await fresh.ReceiveFrameAsync())!));
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
        var connections = broker.Services.GetRequiredService<ConnectionRegistry>();
        await Eventually.TrueAsync(() => connections.Count == 0, "closed connections are released");
    }
}
