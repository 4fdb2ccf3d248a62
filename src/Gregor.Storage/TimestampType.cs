namespace Gregor.Storage;

/// <summary>Kafka's message.timestamp.type.</summary>
public enum TimestampType
{
    CreateTime,
    LogAppendTime,
}
