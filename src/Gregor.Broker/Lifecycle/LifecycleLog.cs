using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Lifecycle;

/// <summary>Source-generated log messages of <see cref="NodeLifecycle"/>.</summary>
internal static partial class LifecycleLog
{
    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "step {Step} starting")]
    public static partial void StepStarting(ILogger logger, string step);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "step {Step} done in {ElapsedMs:0.0} ms")]
    public static partial void StepStarted(ILogger logger, string step, double elapsedMs);

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "step {Step} failed after {ElapsedMs:0.0} ms; undoing the {Undo} steps before it")]
    public static partial void StepFailed(ILogger logger, Exception exception, string step, double elapsedMs, int undo);

    [LoggerMessage(EventId = 26, Level = LogLevel.Error, Message = "step {Step} failed after {ElapsedMs:0.0} ms: {Reason}; undoing the {Undo} steps before it")]
    public static partial void StepRefused(ILogger logger, string step, double elapsedMs, string reason, int undo);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "step {Step} undone in {ElapsedMs:0.0} ms")]
    public static partial void StepStopped(ILogger logger, string step, double elapsedMs);

    [LoggerMessage(EventId = 24, Level = LogLevel.Error, Message = "undoing step {Step} failed after {ElapsedMs:0.0} ms; undoing the others")]
    public static partial void StopStepFailed(ILogger logger, Exception exception, string step, double elapsedMs);

    [LoggerMessage(EventId = 25, Level = LogLevel.Information, Message = "started in {ElapsedMs:0.0} ms")]
    public static partial void Started(ILogger logger, double elapsedMs);
}
