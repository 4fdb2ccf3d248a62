namespace Gregor.Broker;

/// <summary>Why <see cref="GregorBroker.StartAsync(System.Threading.CancellationToken)"/> failed.</summary>
public enum BrokerStartFailure
{
    /// <summary>A listener's port is in use or cannot be bound (host exit code 2).</summary>
    ListenFailed,
    /// <summary>The data dir is a file, not writable, or locked by another process.</summary>
    DataDirUnusable,
    /// <summary>Another start step failed; the message names the step (host exit code 4).</summary>
    StepFailed,
}
