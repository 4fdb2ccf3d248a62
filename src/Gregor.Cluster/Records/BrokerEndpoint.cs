namespace Gregor.Cluster.Records;

/// <summary>One listener of a registered broker (RegisterBrokerRecord.EndPoints). SecurityProtocol 0 = PLAINTEXT.</summary>
public sealed record BrokerEndpoint(string Name, string Host, ushort Port, short SecurityProtocol = 0);
