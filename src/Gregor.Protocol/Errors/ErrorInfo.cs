namespace Gregor.Protocol.Errors;

/// <summary>
/// One row of Kafka's error table: the code, Kafka's wire name (e.g. <c>UNKNOWN_TOPIC_OR_PARTITION</c>),
/// whether a client may retry the same request (Kafka's <c>RetriableException</c> subclasses), and
/// Kafka's default message. Immutable.
/// </summary>
public readonly record struct ErrorInfo(ErrorCode Code, string Name, bool IsRetriable, string Message);
