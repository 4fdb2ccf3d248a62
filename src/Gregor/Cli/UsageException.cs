namespace Gregor.Cli;

/// <summary>A command line that cannot be understood; the message is printed with the usage hint.</summary>
internal sealed class UsageException(string message) : Exception(message);
