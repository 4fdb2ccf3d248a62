namespace Gregor.Protocol.Messages;

/// <summary>A generated response body (the part after the response header).</summary>
public interface IResponseMessage : IApiMessage
{
}
