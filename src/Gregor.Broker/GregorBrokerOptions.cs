using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker;

/// <summary>How a <see cref="GregorBroker"/> is hosted (not what it does: that is <see cref="Config.BrokerConfig"/>).</summary>
public sealed class GregorBrokerOptions
{
    /// <summary>Logging providers and filters; none when null (tests), the host adds the console.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; init; }

    /// <summary>Extra or replacement services, applied after <see cref="BrokerServices.AddGregorBroker"/> (test handlers).</summary>
    public Action<IServiceCollection>? ConfigureServices { get; init; }

    /// <summary>How long a stop waits for connections and components to finish.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
