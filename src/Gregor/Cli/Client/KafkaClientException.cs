namespace Gregor.Cli.Client;

/// <summary>
/// A client command that cannot be done: the broker is unreachable, or answered with a Kafka
/// error. The message is printed as it is; <see cref="ExitCode"/> is what the process returns.
/// </summary>
internal sealed class KafkaClientException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
