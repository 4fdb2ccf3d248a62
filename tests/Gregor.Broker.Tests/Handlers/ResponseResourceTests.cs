using Gregor.Broker.Dispatch;
using Gregor.Broker.Tests.Support;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Handlers;

/// <summary>
/// A resource a handler registers with <see cref="RequestContext.DisposeAfterEncoding"/> (the
/// fetch path's pooled record buffers) is disposed once the response was encoded, not before.
/// </summary>
public sealed class ResponseResourceTests
{
    [Fact]
    public async Task RegisteredResource_IsDisposedAfterTheResponseWasEncoded()
    {
        var handler = new ResourceHeartbeatHandler();
        await using var broker = await TestBroker.StartAsync(configureServices: s => s.AddSingleton<IApiHandler>(handler));
        using var client = await broker.ConnectAsync();

        var response = await KafkaWire.RoundTripAsync<HeartbeatResponse>(client, new HeartbeatRequest { GroupId = "g", MemberId = "m" }, 4);

        Assert.Equal(1234, response!.ThrottleTimeMs);
        Assert.NotNull(handler.Resource);
        Assert.False(handler.Resource.DisposedBeforeReturn);
        await Eventually.TrueAsync(() => handler.Resource.Disposed, "the resource is disposed after encoding");
    }

    private sealed class TrackedResource : IDisposable
    {
        public bool Disposed { get; private set; }

        public bool DisposedBeforeReturn { get; set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class ResourceHeartbeatHandler : ApiHandler<HeartbeatRequest, HeartbeatResponse>
    {
        public TrackedResource? Resource { get; private set; }

        public override short MinVersion => 0;

        public override short MaxVersion => 4;

        protected override async ValueTask<HeartbeatResponse?> HandleAsync(RequestContext context, HeartbeatRequest request, CancellationToken cancellationToken)
        {
            await Task.Yield();
            Resource = new TrackedResource();
            context.DisposeAfterEncoding(Resource);
            Resource.DisposedBeforeReturn = Resource.Disposed;
            return new HeartbeatResponse { ThrottleTimeMs = 1234 };
        }
    }
}
