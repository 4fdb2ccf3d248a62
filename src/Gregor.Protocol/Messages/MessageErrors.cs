namespace Gregor.Protocol.Messages;

/// <summary>Errors raised by generated Write methods for values a version cannot encode. Stateless.</summary>
internal static class MessageErrors
{
    public static void ThrowNullNotAllowed(string field, short version) =>
        throw new ProtocolException($"{field} is null but version {version} does not allow null");
}
