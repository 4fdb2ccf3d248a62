namespace Gregor.Cli.Client;

/// <summary>The exit codes of the client commands (topics, groups, produce, consume), documented in src/Gregor/README.md.</summary>
internal static class ClientExitCodes
{
    public const int Success = 0;
    /// <summary>Bad command line (unknown option, missing value).</summary>
    public const int Usage = 1;
    /// <summary>No broker answered: wrong address, refused, timed out.</summary>
    public const int Unreachable = 5;
    /// <summary>The broker answered with an error other than "not found" (invalid config, not empty group, …).</summary>
    public const int KafkaError = 6;
    /// <summary>The topic or group named does not exist.</summary>
    public const int NotFound = 7;
}
