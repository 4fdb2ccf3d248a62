namespace Gregor.Broker.Quorum;

/// <summary>Storage that cannot be formatted or used as asked; the message is printed as is (exit code 1 for format, 3 for serve).</summary>
public sealed class StorageFormatException(string message) : Exception(message);
