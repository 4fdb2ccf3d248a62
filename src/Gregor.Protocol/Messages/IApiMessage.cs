using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Messages;

/// <summary>
/// A generated Kafka request or response body. <see cref="Read"/> fills a freshly constructed
/// instance from one frame's bytes; <see cref="Write"/> appends the body for a version.
/// Instances are plain mutable data: not thread-safe.
/// </summary>
public interface IApiMessage
{
    ApiKey ApiKey { get; }

    /// <summary>Tagged fields the reading version did not know; written back in tag order.</summary>
    List<RawTaggedField>? UnknownTaggedFields { get; set; }

    void Read(ref ProtocolReader reader, short version);

    void Write(ProtocolWriter writer, short version);
}
