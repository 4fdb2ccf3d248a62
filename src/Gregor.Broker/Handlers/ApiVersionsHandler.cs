using System.Text.RegularExpressions;
using Gregor.Broker.Config;
using Gregor.Broker.Dispatch;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Handlers;

/// <summary>
/// ApiVersions (key 18): the API keys and version ranges of the registered handlers, so adding
/// a handler file is all it takes to advertise an API. v3+ requests must name the client
/// software with Kafka's pattern, else INVALID_REQUEST (KIP-511); v5 requests naming another
/// node id or cluster id get REBOOTSTRAP_REQUIRED (KIP-1242). Versions beyond 5 are answered
/// by the dispatcher with a v0 UNSUPPORTED_VERSION response built by <see cref="BuildResponse"/>.
/// Features (v3+): <c>share.version</c> 1 is supported and finalized, so clients use share groups
/// (KIP-932); no others yet. On a controller listener only the APIs it serves are listed
/// (<see cref="Quorum.ControllerApis"/>). Thread-safe (the advertised list is
/// built once and only read).
/// </summary>
public sealed partial class ApiVersionsHandler(IServiceProvider services, BrokerConfig config)
    : ApiHandler<ApiVersionsRequest, ApiVersionsResponse>
{
    private ApiHandlerRegistry? _registry;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    // Resolved on first use: the registry is built from the handlers, this one included.
    private ApiHandlerRegistry Registry => _registry ??= services.GetRequiredService<ApiHandlerRegistry>();

    protected override ValueTask<ApiVersionsResponse?> HandleAsync(RequestContext context, ApiVersionsRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        if (context.ApiVersion >= 3
            && !(SoftwarePattern().IsMatch(request.ClientSoftwareName) && SoftwarePattern().IsMatch(request.ClientSoftwareVersion)))
        {
            return ValueTask.FromResult<ApiVersionsResponse?>(new ApiVersionsResponse { ErrorCode = (short)ErrorCode.InvalidRequest });
        }
        if (context.ApiVersion >= 5
            && ((request.NodeId >= 0 && request.NodeId != config.NodeId)
                || (request.ClusterId is not null && config.ClusterId is not null && request.ClusterId != config.ClusterId)))
        {
            return ValueTask.FromResult<ApiVersionsResponse?>(BuildResponse(Registry, ErrorCode.RebootstrapRequired, OnControllerListener(context)));
        }
        return ValueTask.FromResult<ApiVersionsResponse?>(BuildResponse(Registry, ErrorCode.None, OnControllerListener(context)));
    }

    private bool OnControllerListener(RequestContext context) => config.IsControllerListenerName(context.Connection.ListenerName);

    /// <summary>A response listing every registered handler's range (on a controller listener: those it serves), with <paramref name="error"/>.</summary>
    public static ApiVersionsResponse BuildResponse(ApiHandlerRegistry registry, ErrorCode error, bool controllerListener = false)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var keys = new List<ApiVersionsResponse.ApiVersion>(registry.Handlers.Count);
        foreach (var handler in registry.Handlers)
        {
            if (controllerListener && !Quorum.ControllerApis.Serves(handler.ApiKey))
            {
                continue;
            }
            keys.Add(new ApiVersionsResponse.ApiVersion
            {
                ApiKey = (short)handler.ApiKey,
                MinVersion = handler.MinVersion,
                MaxVersion = handler.MaxVersion,
            });
        }
        return new ApiVersionsResponse
        {
            ErrorCode = (short)error,
            ApiKeys = keys,
            SupportedFeatures = [new ApiVersionsResponse.SupportedFeatureKey { Name = ShareVersionFeature, MinVersion = 0, MaxVersion = ShareVersionLevel }],
            FinalizedFeaturesEpoch = 0,
            FinalizedFeatures = [new ApiVersionsResponse.FinalizedFeatureKey { Name = ShareVersionFeature, MinVersionLevel = ShareVersionLevel, MaxVersionLevel = ShareVersionLevel }],
        };
    }

    /// <summary>The share groups feature (Kafka 4.2's share.version; level 1 = KIP-932 generally available).</summary>
    public const string ShareVersionFeature = "share.version";

    public const short ShareVersionLevel = 1;

    // Kafka's ApiVersionsRequest.isValid(): letters, digits, '-' and '.', starting and ending alphanumeric.
    [GeneratedRegex("^[a-zA-Z0-9](?:[a-zA-Z0-9\\-.]*[a-zA-Z0-9])?$")]
    private static partial Regex SoftwarePattern();
}
