using System.Security.Cryptography;

namespace Gregor.Broker.Quorum;

/// <summary>
/// Kafka's printable UUIDs (cluster ids, directory ids): 16 random bytes in URL-safe base64
/// without padding, 22 characters, as <c>kafka-storage.sh random-uuid</c> prints them. Like Kafka's
/// <c>Uuid.randomUuid</c>, never returns an id whose text starts with '-' (it would read as a flag)
/// or one of the reserved ids (all zeros, 0…01). Thread-safe.
/// </summary>
public static class KafkaUuid
{
    public static string NewRandom()
    {
        Span<byte> bytes = stackalloc byte[16];
        while (true)
        {
            RandomNumberGenerator.Fill(bytes);
            var text = ToText(bytes);
            if (text[0] != '-' && !IsReserved(bytes))
            {
                return text;
            }
        }
    }

    /// <summary>Parses a 22-character id; false for anything else.</summary>
    public static bool TryParse(string? text, out Guid value)
    {
        value = Guid.Empty;
        if (text is null || text.Length != 22)
        {
            return false;
        }
        var base64 = text.Replace('-', '+').Replace('_', '/') + "==";
        Span<byte> bytes = stackalloc byte[18];
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written != 16)
        {
            return false;
        }
        value = new Guid(bytes[..16], bigEndian: true);
        return true;
    }

    /// <summary>The 22-character text of <paramref name="value"/> (big-endian bytes, as on the wire).</summary>
    public static string ToText(Guid value)
    {
        Span<byte> bytes = stackalloc byte[16];
        value.TryWriteBytes(bytes, bigEndian: true, out _);
        return ToText(bytes);
    }

    private static string ToText(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static bool IsReserved(ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < 15; i++)
        {
            if (bytes[i] != 0)
            {
                return false;
            }
        }
        return bytes[15] <= 1;
    }
}
