using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Coordinator;

/// <summary>The coordinator runtime's log messages (source-generated).</summary>
internal static partial class CoordinatorRuntimeLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Coordinator} coordinator loaded partition {Partition} (epoch {Epoch}): {Records} records in {ElapsedMs} ms")]
    public static partial void Loaded(ILogger logger, string coordinator, int partition, int epoch, long records, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Coordinator} coordinator failed to load partition {Partition} (epoch {Epoch})")]
    public static partial void LoadFailed(ILogger logger, Exception exception, string coordinator, int partition, int epoch);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Coordinator} coordinator unloaded partition {Partition} (epoch {Epoch})")]
    public static partial void Unloaded(ILogger logger, string coordinator, int partition, int epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Coordinator} coordinator could not append the records of {Operation} to partition {Partition}")]
    public static partial void AppendFailed(ILogger logger, Exception exception, string coordinator, string operation, int partition);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Coordinator} coordinator operation {Operation} on partition {Partition} failed")]
    public static partial void OperationFailed(ILogger logger, Exception exception, string coordinator, string operation, int partition);
}
