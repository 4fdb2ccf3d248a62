using System.Collections.Concurrent;
using System.Reflection;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Dispatch;

/// <summary>
/// Builds a response carrying only an error, for requests the broker refuses before a handler
/// sees them (an unsupported version). Works for every response whose top level has an
/// <c>ErrorCode</c> field; for the others (Produce, Fetch, … whose errors are per partition)
/// there is no such response and the caller closes the connection, as Kafka does. The
/// property lookup is cached per API key; thread-safe.
/// </summary>
public static class ErrorResponses
{
    private static readonly ConcurrentDictionary<ApiKey, PropertyInfo?> ErrorProperty = new();

    public static bool TryCreate(ApiKey apiKey, ErrorCode error, out IResponseMessage response)
    {
        var property = ErrorProperty.GetOrAdd(apiKey, static key =>
        {
            var type = ApiMessageFactory.CreateResponse(key).GetType();
            var found = type.GetProperty("ErrorCode", BindingFlags.Public | BindingFlags.Instance);
            return found is { CanWrite: true } && found.PropertyType == typeof(short) ? found : null;
        });
        if (property is null)
        {
            response = null!;
            return false;
        }
        response = ApiMessageFactory.CreateResponse(apiKey);
        property.SetValue(response, (short)error);
        return true;
    }
}
