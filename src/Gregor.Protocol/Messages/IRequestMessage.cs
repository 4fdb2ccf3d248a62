namespace Gregor.Protocol.Messages;

/// <summary>A generated request body (the part after the request header).</summary>
public interface IRequestMessage : IApiMessage
{
}
