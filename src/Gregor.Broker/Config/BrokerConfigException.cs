namespace Gregor.Broker.Config;

/// <summary>
/// A configuration that cannot be used: an unreadable file, a value of the wrong type or out
/// of range. The message names the key and the value, as Kafka's ConfigException does, so the
/// host can print it as is and exit with code 1.
/// </summary>
public sealed class BrokerConfigException(string message) : Exception(message);
