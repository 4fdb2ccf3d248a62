using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Broker.Groups;

/// <summary>
/// Reads the topic list from a member's consumer-protocol subscription metadata (Kafka's
/// ConsumerProtocolSubscription: int16 version, then an int32-counted array of int16 strings,
/// the same in every version, newer fields follow). Used only for OffsetDelete's
/// GROUP_SUBSCRIBED_TO_TOPIC check; metadata that does not parse counts as no topics.
/// </summary>
public static class ConsumerProtocolSubscriptionReader
{
    public static IReadOnlyList<string> ReadTopics(ReadOnlyMemory<byte> metadata)
    {
        if (metadata.Length < 2)
        {
            return [];
        }
        try
        {
            var reader = new ProtocolReader(metadata);
            reader.ReadInt16();
            var count = reader.ReadArrayLength(compact: false, nullable: true, minElementSize: 2);
            var topics = new List<string>(Math.Max(count, 0));
            for (var i = 0; i < count; i++)
            {
                topics.Add(reader.ReadString(compact: false, nullable: false)!);
            }
            return topics;
        }
        catch (ProtocolException)
        {
            return [];
        }
    }
}
