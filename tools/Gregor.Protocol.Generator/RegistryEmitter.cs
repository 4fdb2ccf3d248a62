namespace Gregor.Protocol.Generator;

/// <summary>
/// Emits the per-API tables: the <c>ApiKey</c> enum and <c>ApiMessageFactory</c> (create a
/// message for a key, supported version ranges, header versions). Stateless.
/// </summary>
public static class RegistryEmitter
{
    public static string EmitApiKey(List<MessageSpec> messages)
    {
        var w = new CodeWriter();
        w.Line(MessageEmitter.Header);
        w.Line("#nullable enable");
        w.Line();
        w.Line("namespace Gregor.Protocol.Messages;");
        w.Line();
        w.Line("/// <summary>Every Kafka API that has a request spec, by its wire key.</summary>");
        w.Open("public enum ApiKey : short");
        foreach (var request in Requests(messages))
        {
            w.Line($"{MessageEmitter.ApiKeyName(request)} = {request.ApiKey},");
        }
        w.Close();
        return w.ToString();
    }

    public static string EmitFieldTable(List<MessageSpec> messages)
    {
        var rows = new List<string>();
        foreach (var message in messages)
        {
            new MessageEmitter(message).AppendSchemaRows(rows);
        }
        var w = new CodeWriter();
        w.Line(MessageEmitter.Header);
        w.Line("#nullable enable");
        w.Line();
        w.Line("namespace Gregor.Protocol.Messages;");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Every generated property with the versions in which it is on the wire, nullable and");
        w.Line("/// tagged (empty range: Lowest 0, Highest -1). Owner is \"Message\" or \"Message.Struct\".");
        w.Line("/// Data for tests and tools; Read and Write never consult it. Immutable.");
        w.Line("/// </summary>");
        w.Open("internal static class MessageFieldTable");
        w.Line("internal readonly record struct Row(string Owner, string Property, short Lowest, short Highest,");
        w.Line("    short NullableLowest, short NullableHighest, short TaggedLowest, short TaggedHighest, int Tag, bool Ignorable);");
        w.Line();
        w.Open("internal static readonly Row[] Rows =");
        foreach (var row in rows)
        {
            w.Line(row);
        }
        w.Close(";");
        w.Close();
        return w.ToString();
    }

    private static List<MessageSpec> Requests(List<MessageSpec> messages)
    {
        var requests = messages.FindAll(m => m.IsRequest);
        requests.Sort((a, b) => a.ApiKey.CompareTo(b.ApiKey));
        return requests;
    }

    public static string EmitFactory(List<MessageSpec> messages)
    {
        var requests = Requests(messages);
        var responses = new Dictionary<short, MessageSpec>();
        foreach (var message in messages)
        {
            if (!message.IsRequest)
            {
                responses[message.ApiKey] = message;
            }
        }
        var w = new CodeWriter();
        w.Line(MessageEmitter.Header);
        w.Line("#nullable enable");
        w.Line();
        w.Line("namespace Gregor.Protocol.Messages;");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Per-API lookups: a new request or response for a key, the advertised version range and");
        w.Line("/// the header versions. Stateless; thread-safe.");
        w.Line("/// </summary>");
        w.Open("public static class ApiMessageFactory");

        w.Line("/// <summary>True for every key in <see cref=\"ApiKey\"/>.</summary>");
        w.Open("public static bool IsKnown(ApiKey apiKey) => apiKey switch");
        foreach (var request in requests)
        {
            w.Line($"ApiKey.{MessageEmitter.ApiKeyName(request)} => true,");
        }
        w.Line("_ => false,");
        w.Close(";");
        w.Line();

        w.Open("public static IRequestMessage CreateRequest(ApiKey apiKey) => apiKey switch");
        foreach (var request in requests)
        {
            w.Line($"ApiKey.{MessageEmitter.ApiKeyName(request)} => new {request.Name}(),");
        }
        w.Line("_ => throw new UnsupportedVersionException($\"unknown API key {(short)apiKey}\"),");
        w.Close(";");
        w.Line();

        w.Open("public static IResponseMessage CreateResponse(ApiKey apiKey) => apiKey switch");
        foreach (var request in requests)
        {
            var response = responses[request.ApiKey];
            w.Line($"ApiKey.{MessageEmitter.ApiKeyName(request)} => new {response.Name}(),");
        }
        w.Line("_ => throw new UnsupportedVersionException($\"unknown API key {(short)apiKey}\"),");
        w.Close(";");
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// The versions to advertise (unstable latest versions excluded). Highest is below Lowest");
        w.Line("/// for APIs without any valid version (the ZooKeeper-era inter-broker APIs).");
        w.Line("/// </summary>");
        w.Open("public static (short Lowest, short Highest) SupportedVersions(ApiKey apiKey) => apiKey switch");
        foreach (var request in requests)
        {
            w.Line($"ApiKey.{MessageEmitter.ApiKeyName(request)} => ({request.Name}.LowestSupportedVersion, {request.Name}.HighestSupportedVersion),");
        }
        w.Line("_ => (0, -1),");
        w.Close(";");
        w.Line();

        w.Line("/// <summary>The versions Read and Write accept, including unstable ones.</summary>");
        w.Open("public static (short Lowest, short Highest) ReadableVersions(ApiKey apiKey) => apiKey switch");
        foreach (var request in requests)
        {
            w.Line($"ApiKey.{MessageEmitter.ApiKeyName(request)} => ({request.Name}.LowestSupportedVersion, {request.Name}.HighestVersionIncludingUnstable),");
        }
        w.Line("_ => (0, -1),");
        w.Close(";");
        w.Line();

        w.Open("public static bool IsFlexibleRequest(ApiKey apiKey, short version) => apiKey switch");
        foreach (var request in requests)
        {
            w.Line($"ApiKey.{MessageEmitter.ApiKeyName(request)} => {request.Name}.IsFlexible(version),");
        }
        w.Line("_ => false,");
        w.Close(";");
        w.Line();

        w.Open("public static bool IsFlexibleResponse(ApiKey apiKey, short version) => apiKey switch");
        foreach (var request in requests)
        {
            var response = responses[request.ApiKey];
            w.Line($"ApiKey.{MessageEmitter.ApiKeyName(request)} => {response.Name}.IsFlexible(version),");
        }
        w.Line("_ => false,");
        w.Close(";");
        w.Line();

        w.Line("/// <summary>Request header v2 for flexible versions, else v1; ControlledShutdown v0 used v0.</summary>");
        w.Open("public static short RequestHeaderVersion(ApiKey apiKey, short version)");
        w.Open("if (apiKey == ApiKey.ControlledShutdown && version == 0)");
        w.Line("return 0;");
        w.Close();
        w.Line("return IsFlexibleRequest(apiKey, version) ? (short)2 : (short)1;");
        w.Close();
        w.Line();

        w.Line("/// <summary>Response header v1 for flexible versions, else v0; ApiVersions responses always use v0.</summary>");
        w.Open("public static short ResponseHeaderVersion(ApiKey apiKey, short version)");
        w.Open("if (apiKey == ApiKey.ApiVersions)");
        w.Line("return 0;");
        w.Close();
        w.Line("return IsFlexibleResponse(apiKey, version) ? (short)1 : (short)0;");
        w.Close();
        w.Close();
        return w.ToString();
    }
}
