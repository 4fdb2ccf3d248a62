using System.Net;

namespace Gregor.Broker.Network;

/// <summary>
/// Who a request came from: the connection's id (unique within the process, as Kafka's
/// <c>local-remote-index</c> connection id), its endpoints and the listener that accepted it.
/// Immutable; one instance per connection, shared by all its requests.
/// </summary>
public sealed record ConnectionInfo(string ConnectionId, EndPoint? RemoteEndPoint, EndPoint? LocalEndPoint, string ListenerName);
