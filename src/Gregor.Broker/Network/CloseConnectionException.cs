namespace Gregor.Broker.Network;

/// <summary>
/// Thrown by a request processor to close the connection without answering, the way Kafka
/// treats an unknown API key or a request it cannot even answer with an error. The message is
/// the reason that is logged.
/// </summary>
public sealed class CloseConnectionException(string reason) : Exception(reason);
