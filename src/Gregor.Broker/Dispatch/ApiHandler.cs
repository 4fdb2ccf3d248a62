using System.Reflection;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Dispatch;

/// <summary>
/// Base of every API handler: the typed form of <see cref="IApiHandler"/>. The API key comes
/// from the generated request type's <c>Key</c> constant; a handler declares only its version
/// range and its typed <see cref="HandleAsync(RequestContext, TRequest, CancellationToken)"/>.
/// Example (a whole handler file):
/// <code>
/// public sealed class HeartbeatHandler(GroupCoordinator groups) : ApiHandler&lt;HeartbeatRequest, HeartbeatResponse&gt;
/// {
///     public override short MinVersion => 0;
///     public override short MaxVersion => 4;
///     protected override async ValueTask&lt;HeartbeatResponse?&gt; HandleAsync(RequestContext context, HeartbeatRequest request, CancellationToken cancellationToken)
///         => new() { ErrorCode = (short)await groups.HeartbeatAsync(...) };
/// }
/// </code>
/// Instances are singletons shared by all connections: keep them stateless or thread-safe.
/// </summary>
public abstract class ApiHandler<TRequest, TResponse> : IApiHandler
    where TRequest : class, IRequestMessage
    where TResponse : class, IResponseMessage
{
    private static readonly ApiKey RequestKey = ReadKey();

    /// <summary>The API this handler serves: the request type's <c>Key</c>.</summary>
    public virtual ApiKey ApiKey => RequestKey;

    public abstract short MinVersion { get; }

    public abstract short MaxVersion { get; }

    async ValueTask<IResponseMessage?> IApiHandler.HandleAsync(RequestContext context, IRequestMessage request, CancellationToken cancellationToken)
    {
        var typed = request as TRequest
            ?? throw new InvalidOperationException($"{GetType().Name} got a {request.GetType().Name}, expected {typeof(TRequest).Name}");
        return await HandleAsync(context, typed, cancellationToken).ConfigureAwait(false);
    }

    protected abstract ValueTask<TResponse?> HandleAsync(RequestContext context, TRequest request, CancellationToken cancellationToken);

    private static ApiKey ReadKey()
    {
        var field = typeof(TRequest).GetField("Key", BindingFlags.Public | BindingFlags.Static);
        return field?.GetRawConstantValue() is { } value
            ? (ApiKey)value
            : throw new InvalidOperationException($"{typeof(TRequest).Name} has no Key constant; override ApiKey");
    }
}
