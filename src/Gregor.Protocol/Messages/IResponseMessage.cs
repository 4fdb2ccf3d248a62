namespace Gregor.Protocol.Messages;

/// <summary>A generated response body (the part after the response header).</summary>
public interface IResponseMessage : IApiMessage
{
    /// <summary>
    /// Reports every non-zero ErrorCode field of this response and its nested structs to
    /// <paramref name="counter"/> (generated; walks the structs once, allocates nothing).
    /// </summary>
    void CountErrors(IErrorCodeCounter counter);
}
