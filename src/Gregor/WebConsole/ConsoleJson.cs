using System.Text.Json;
using System.Text.Json.Serialization;
using Gregor.Protocol.Errors;
using Microsoft.AspNetCore.Http;

namespace Gregor.WebConsole;

/// <summary>
/// JSON of the console endpoints: camelCase, nulls kept (the page tells "no key" from an empty
/// one), and errors as RFC 9457 problem documents (<c>application/problem+json</c>) with a
/// sentence a person can act on. Stateless.
/// </summary>
internal static class ConsoleJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // Served as JSON, never inlined into HTML: names with quotes and apostrophes stay readable.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static IResult Ok(object value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, Options, "application/json", status);

    public static IResult Problem(int status, string title, string detail) =>
        Results.Json(new { type = "about:blank", title, status, detail }, Options, "application/problem+json", status);

    public static IResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, "Bad request", detail);

    public static IResult NotFound(string detail) => Problem(StatusCodes.Status404NotFound, "Not found", detail);

    /// <summary>A Kafka error code as a problem: 404 for unknown things, 409 for conflicts, 400 for the rest of the client's errors.</summary>
    public static IResult FromKafka(ErrorCode error, string? message, string what)
    {
        var status = error switch
        {
            ErrorCode.UnknownTopicOrPartition or ErrorCode.UnknownTopicId or ErrorCode.GroupIdNotFound => StatusCodes.Status404NotFound,
            ErrorCode.TopicAlreadyExists or ErrorCode.NonEmptyGroup => StatusCodes.Status409Conflict,
            ErrorCode.NotController or ErrorCode.NotLeaderOrFollower or ErrorCode.LeaderNotAvailable
                or ErrorCode.CoordinatorLoadInProgress or ErrorCode.CoordinatorNotAvailable or ErrorCode.RequestTimedOut
                => StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status400BadRequest,
        };
        return Problem(status, $"{what} failed: {error}", message ?? error.ToString());
    }

    /// <summary>Reads the request body as JSON (at most 1 MiB); null with a problem when it is missing or malformed.</summary>
    public static async Task<(JsonElement? Body, IResult? Problem)> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength is > 1 << 20)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", "the request body must be at most 1 MiB"));
        }
        try
        {
            using var document = await JsonDocument.ParseAsync(new LimitedStream(context.Request.Body, 1 << 20), cancellationToken: context.RequestAborted).ConfigureAwait(false);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, BadRequest("the request body must be a JSON object"));
            }
            return (document.RootElement.Clone(), null);
        }
        catch (JsonException e)
        {
            return (null, BadRequest($"the request body is not valid JSON: {e.Message}"));
        }
        catch (InvalidDataException e)
        {
            return (null, Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", e.Message));
        }
    }
}
