using System.Reflection;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gregor.Broker.Dispatch;

/// <summary>
/// The handlers by API key, built once from every <see cref="IApiHandler"/> in the container.
/// When two handlers claim one key the one registered last wins, so a test can replace a
/// handler by registering its own after <see cref="BrokerServices.AddGregorBroker"/>. Checks at
/// construction that each range is one the generated messages can read. Immutable after
/// construction; thread-safe.
/// </summary>
public sealed class ApiHandlerRegistry
{
    private readonly IApiHandler?[] _byKey;

    public ApiHandlerRegistry(IEnumerable<IApiHandler> handlers)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        var byKey = new Dictionary<ApiKey, IApiHandler>();
        foreach (var handler in handlers)
        {
            if (!ApiMessageFactory.IsKnown(handler.ApiKey))
            {
                throw new InvalidOperationException($"{handler.GetType().Name} handles unknown API key {(short)handler.ApiKey}");
            }
            var (lowest, highest) = ApiMessageFactory.ReadableVersions(handler.ApiKey);
            if (handler.MinVersion < lowest || handler.MaxVersion > highest || handler.MinVersion > handler.MaxVersion)
            {
                throw new InvalidOperationException(
                    $"{handler.GetType().Name} declares {handler.ApiKey} v{handler.MinVersion}-{handler.MaxVersion}; the messages support v{lowest}-{highest}");
            }
            byKey[handler.ApiKey] = handler;
        }
        _byKey = new IApiHandler?[byKey.Count == 0 ? 0 : byKey.Keys.Max(k => (int)k) + 1];
        foreach (var (key, handler) in byKey)
        {
            _byKey[(int)key] = handler;
        }
        Handlers = [.. byKey.Values.OrderBy(h => (short)h.ApiKey)];
    }

    /// <summary>The registered handlers ordered by API key (what ApiVersions advertises).</summary>
    public IReadOnlyList<IApiHandler> Handlers { get; }

    public bool TryGet(ApiKey apiKey, out IApiHandler handler)
    {
        var index = (int)apiKey;
        if ((uint)index < (uint)_byKey.Length && _byKey[index] is { } found)
        {
            handler = found;
            return true;
        }
        handler = null!;
        return false;
    }

    /// <summary>Registers every non-abstract <see cref="IApiHandler"/> of <paramref name="assembly"/> as a singleton.</summary>
    public static void AddHandlersFrom(IServiceCollection services, Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var type in assembly.GetTypes())
        {
            if (type is { IsAbstract: false, IsInterface: false, IsGenericTypeDefinition: false } && typeof(IApiHandler).IsAssignableFrom(type))
            {
                services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IApiHandler), type));
            }
        }
    }
}
