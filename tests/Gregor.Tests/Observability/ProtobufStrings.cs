using System.Text;

namespace Gregor.Tests.Observability;

/// <summary>
/// A minimal protobuf walker for the OTLP bodies the tests receive: every length-delimited
/// field, recursively (a message and a string look alike on the wire, so each is tried as both).
/// Enough to find span names, attribute values and link trace ids without the OTLP schema.
/// </summary>
internal static class ProtobufStrings
{
    /// <summary>Every length-delimited field's bytes, at any depth.</summary>
    public static List<byte[]> Fields(ReadOnlySpan<byte> message)
    {
        var found = new List<byte[]>();
        Walk(message, found, depth: 0);
        return found;
    }

    public static IEnumerable<string> Strings(ReadOnlySpan<byte> message) =>
        Fields(message).Select(f => Encoding.UTF8.GetString(f));

    private static bool Walk(ReadOnlySpan<byte> data, List<byte[]> found, int depth)
    {
        var at = 0;
        var fields = new List<byte[]>();
        while (at < data.Length)
        {
            if (!TryVarint(data, ref at, out var key) || key == 0)
            {
                return false;
            }
            switch (key & 7)
            {
                case 0:
                    if (!TryVarint(data, ref at, out _))
                    {
                        return false;
                    }
                    break;
                case 1:
                    at += 8;
                    break;
                case 5:
                    at += 4;
                    break;
                case 2:
                    if (!TryVarint(data, ref at, out var length) || length > (ulong)(data.Length - at))
                    {
                        return false;
                    }
                    fields.Add(data.Slice(at, (int)length).ToArray());
                    at += (int)length;
                    break;
                default:
                    return false;
            }
            if (at > data.Length)
            {
                return false;
            }
        }
        foreach (var field in fields)
        {
            found.Add(field);
            if (depth < 16)
            {
                var nested = new List<byte[]>();
                if (Walk(field, nested, depth + 1))
                {
                    found.AddRange(nested);
                }
            }
        }
        return true;
    }

    private static bool TryVarint(ReadOnlySpan<byte> data, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && at < data.Length; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }
        return false;
    }
}
