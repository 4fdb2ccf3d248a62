namespace Gregor.Storage;

/// <summary>A storage failure the broker maps to a Kafka error code; base of the typed storage exceptions.</summary>
public class StorageException(string message, Exception? inner = null) : Exception(message, inner);
