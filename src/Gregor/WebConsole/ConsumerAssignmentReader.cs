using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.WebConsole;

/// <summary>
/// Reads the partitions a member was given from its consumer-protocol assignment (Kafka's
/// ConsumerProtocolAssignment: int16 version, an int32-counted array of (int16 string topic,
/// int32-counted int32 partitions), user data after). Bytes that do not parse (another protocol
/// type, a truncated assignment) give no partitions: the console then shows the member only.
/// Counts are bounded by the bytes present, so a hostile assignment cannot make it allocate more.
/// </summary>
internal static class ConsumerAssignmentReader
{
    public static IReadOnlyList<(string Topic, IReadOnlyList<int> Partitions)> Read(ReadOnlyMemory<byte> assignment)
    {
        if (assignment.Length < 2)
        {
            return [];
        }
        try
        {
            var reader = new ProtocolReader(assignment);
            reader.ReadInt16();
            var topicCount = reader.ReadArrayLength(compact: false, nullable: true, minElementSize: 6);
            var topics = new List<(string, IReadOnlyList<int>)>(Math.Max(topicCount, 0));
            for (var t = 0; t < topicCount; t++)
            {
                var topic = reader.ReadString(compact: false, nullable: false)!;
                var partitionCount = reader.ReadArrayLength(compact: false, nullable: true, minElementSize: 4);
                var partitions = new int[Math.Max(partitionCount, 0)];
                for (var p = 0; p < partitions.Length; p++)
                {
                    partitions[p] = reader.ReadInt32();
                }
                Array.Sort(partitions);
                topics.Add((topic, partitions));
            }
            return topics;
        }
        catch (ProtocolException)
        {
            return [];
        }
    }
}
