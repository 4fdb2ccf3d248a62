using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Http;

/// <summary>
/// Reads the partitions of a member's consumer-protocol assignment (Kafka's
/// ConsumerProtocolAssignment: int16 version, then an int32-counted array of (int16 string
/// topic, int32-counted int32 partitions), the same in every version; user data follows). An
/// assignment that does not parse shows as none. Bounded by the bytes themselves.
/// </summary>
internal static class ConsumerAssignmentReader
{
    public static IReadOnlyList<AssignedPartitions> Read(byte[] assignment)
    {
        if (assignment.Length < 2)
        {
            return [];
        }
        try
        {
            var reader = new ProtocolReader(assignment);
            reader.ReadInt16();
            var topics = reader.ReadArrayLength(compact: false, nullable: true, minElementSize: 6);
            var result = new List<AssignedPartitions>(Math.Max(topics, 0));
            for (var i = 0; i < topics; i++)
            {
                var topic = reader.ReadString(compact: false, nullable: false)!;
                var count = reader.ReadArrayLength(compact: false, nullable: true, minElementSize: 4);
                var partitions = new int[Math.Max(count, 0)];
                for (var p = 0; p < partitions.Length; p++)
                {
                    partitions[p] = reader.ReadInt32();
                }
                result.Add(new AssignedPartitions(topic, partitions));
            }
            return result;
        }
        catch (ProtocolException)
        {
            return [];
        }
    }
}
