namespace Gregor.Broker;

/// <summary>
/// The broker cannot start for a reason the user must fix (the port is taken, the data dir
/// is unusable). The message is meant to be printed as is; <see cref="Failure"/> lets the host
/// choose the exit code.
/// </summary>
public sealed class BrokerStartException(string message, BrokerStartFailure failure, Exception? inner = null)
    : Exception(message, inner)
{
    public BrokerStartFailure Failure { get; } = failure;
}
