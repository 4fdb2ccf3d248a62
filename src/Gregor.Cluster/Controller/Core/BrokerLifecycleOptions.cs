using System.Collections.Immutable;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Controller.Core;

/// <summary>What the broker's lifecycle manager registers with and how often it talks to the controller.</summary>
public sealed record BrokerLifecycleOptions
{
    public required int BrokerId { get; init; }

    /// <summary>The cluster id of meta.properties; the controller refuses another cluster's brokers.</summary>
    public string? ClusterId { get; init; }

    /// <summary>The advertised listeners (name, host, port, security protocol).</summary>
    public required ImmutableArray<BrokerEndpoint> Listeners { get; init; }

    /// <summary>broker.rack; null when unset.</summary>
    public string? Rack { get; init; }

    /// <summary>broker.heartbeat.interval.ms.</summary>
    public long HeartbeatIntervalMs { get; init; } = 2_000;

    /// <summary>How long to wait before retrying a failed registration or heartbeat.</summary>
    public long RetryBackoffMs { get; init; } = 100;

    /// <summary>A request without an answer for this long counts as failed (controller.quorum.request.timeout.ms).</summary>
    public long RequestTimeoutMs { get; init; } = 2_000;
}
