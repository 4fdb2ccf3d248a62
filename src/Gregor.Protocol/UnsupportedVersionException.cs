namespace Gregor.Protocol;

/// <summary>
/// A message version (or a field at a version) this build cannot read or write: Kafka's
/// UnsupportedVersionException. The broker answers UNSUPPORTED_VERSION for it.
/// </summary>
public sealed class UnsupportedVersionException(string message) : ProtocolException(message);
