using System.Collections.Immutable;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Controller;

/// <summary>
/// What a broker sends to register an incarnation (the fields of Kafka's BrokerRegistrationRequest
/// the controller acts on). <see cref="PreviousBrokerEpoch"/> is the epoch of the incarnation
/// before a clean shutdown, -1 otherwise (KIP-966); <see cref="ClusterId"/> null skips the check.
/// </summary>
public sealed record BrokerRegistrationRequestData(
    int BrokerId,
    string? ClusterId,
    Guid IncarnationId,
    ImmutableArray<BrokerEndpoint> Listeners,
    string? Rack,
    long PreviousBrokerEpoch = -1);
