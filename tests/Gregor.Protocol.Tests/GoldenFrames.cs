using System.Runtime.CompilerServices;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Tests;

/// <summary>
/// The request frames real clients sent, captured by tools/Gregor.Capture into
/// Golden/&lt;client&gt;/&lt;client&gt;-&lt;Api&gt;-v&lt;version&gt;-&lt;n&gt;.bin (header and body, no size
/// prefix; Golden/README.md says how). Loads and decodes them with the generated messages.
/// Stateless; safe to use from parallel tests.
/// </summary>
internal static class GoldenFrames
{
    public static readonly string[] Clients = ["kcat", "confluent", "kafkajs"];

    /// <summary>The Golden folder beside this source file, or found above the test binary when paths were mapped at build.</summary>
    public static string Directory([CallerFilePath] string thisFile = "")
    {
        var beside = Path.Combine(Path.GetDirectoryName(thisFile) ?? "", "Golden");
        if (System.IO.Directory.Exists(beside))
        {
            return beside;
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Gregor.Protocol.Tests", "Golden");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException("tests/Gregor.Protocol.Tests/Golden not found");
    }

    public static IEnumerable<string> Files(string client) =>
        System.IO.Directory.EnumerateFiles(Path.Combine(Directory(), client), "*.bin").Order(StringComparer.Ordinal);

    /// <summary>Every captured file as (client, file name) for theories.</summary>
    public static TheoryData<string, string> All()
    {
        var data = new TheoryData<string, string>();
        foreach (var client in Clients)
        {
            foreach (var file in Files(client))
            {
                data.Add(client, Path.GetFileName(file));
            }
        }
        return data;
    }

    /// <summary>The API name and version the file name claims ("kcat-Produce-v7-1.bin" → ("Produce", 7)).</summary>
    public static (string Api, short Version) NameParts(string fileName)
    {
        var parts = Path.GetFileNameWithoutExtension(fileName).Split('-');
        return (parts[1], short.Parse(parts[2][1..]));
    }

    public static Decoded Decode(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var reader = new ProtocolReader(bytes);
        var header = RequestHeader.Read(ref reader, out var headerVersion);
        var body = MessageFraming.ReadRequestBody(ref reader, header);
        return new Decoded(bytes, header, headerVersion, body, reader.Remaining);
    }

    /// <summary>All decoded frames of one client for one request type.</summary>
    public static List<(RequestHeader Header, T Body)> Of<T>(string client)
        where T : class, IRequestMessage
    {
        var result = new List<(RequestHeader, T)>();
        foreach (var file in Files(client))
        {
            var decoded = Decode(file);
            if (decoded.Body is T body)
            {
                result.Add((decoded.Header, body));
            }
        }
        return result;
    }

    public sealed record Decoded(byte[] Bytes, RequestHeader Header, short HeaderVersion, IRequestMessage Body, int BytesLeft);
}
