namespace Gregor.Protocol.Messages;

/// <summary>
/// Receives the non-zero error codes of a response (its top-level and nested ErrorCode fields),
/// as Kafka's <c>AbstractResponse.errorCounts()</c> collects them, for per-error metrics.
/// </summary>
public interface IErrorCodeCounter
{
    void Count(short errorCode);
}
