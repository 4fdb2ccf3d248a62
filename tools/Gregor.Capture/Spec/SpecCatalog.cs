using System.Text.Json;

namespace Gregor.Capture.Spec;

/// <summary>
/// Every request/response spec from Kafka's message folder (current) and its
/// <c>legacy-2024</c> folder, looked up by API key and version: the current spec wins where
/// it covers the version, the legacy spec serves the versions Kafka 4 removed. Loaded once at
/// start; read-only afterwards and safe to share between connections.
/// </summary>
internal sealed class SpecCatalog
{
    private static readonly HashSet<string> Primitives =
        ["bool", "int8", "int16", "uint16", "int32", "int64", "float64", "string", "bytes", "records", "uuid"];

    private readonly Dictionary<(short ApiKey, bool IsRequest), MessageSpec> _current = [];
    private readonly Dictionary<(short ApiKey, bool IsRequest), MessageSpec> _legacy = [];

    private SpecCatalog()
    {
    }

    public static SpecCatalog Load(string specDirectory)
    {
        var catalog = new SpecCatalog();
        LoadFolder(specDirectory, catalog._current);
        var legacy = Path.Combine(specDirectory, "legacy-2024");
        if (Directory.Exists(legacy))
        {
            LoadFolder(legacy, catalog._legacy);
        }
        return catalog;
    }

    /// <summary>Finds the repository's spec folder, <c>src/Gregor.Protocol/Specs</c>, under <paramref name="start"/> or any of its parents.</summary>
    public static string? Locate(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Gregor.Protocol", "Specs");
            if (File.Exists(Path.Combine(candidate, "ProduceRequest.json")))
            {
                return candidate;
            }
        }
        return null;
    }

    public IEnumerable<short> ApiKeys => _current.Keys.Where(k => k.IsRequest).Select(k => k.ApiKey).Order();

    public MessageSpec? Find(short apiKey, bool isRequest, short version)
    {
        if (_current.TryGetValue((apiKey, isRequest), out var current) && current.ValidVersions.Contains(version))
        {
            return current;
        }
        if (_legacy.TryGetValue((apiKey, isRequest), out var legacy) && legacy.ValidVersions.Contains(version))
        {
            return legacy;
        }
        return null;
    }

    /// <summary>The API's name ("Produce"), or "Api{key}" when no spec knows the key.</summary>
    public string ApiName(short apiKey) =>
        _current.TryGetValue((apiKey, true), out var spec) || _legacy.TryGetValue((apiKey, true), out spec)
            ? spec.ApiName
            : $"Api{apiKey}";

    /// <summary>The range a Kafka 4 broker that kept the legacy versions would advertise.</summary>
    public VersionRange AdvertisedRange(short apiKey)
    {
        if (!_current.TryGetValue((apiKey, true), out var current))
        {
            return VersionRange.None;
        }
        var min = current.ValidVersions.Min;
        if (_legacy.TryGetValue((apiKey, true), out var legacy) && legacy.ValidVersions.Min < min)
        {
            min = legacy.ValidVersions.Min;
        }
        return new VersionRange(min, current.HighestStableVersion);
    }

    private static void LoadFolder(string folder, Dictionary<(short, bool), MessageSpec> into)
    {
        var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
        foreach (var file in Directory.EnumerateFiles(folder, "*.json"))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file), options);
            var root = document.RootElement;
            var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
            if ((type != "request" && type != "response") || !root.TryGetProperty("apiKey", out var key))
            {
                continue;
            }
            var common = new Dictionary<string, JsonElement>();
            if (root.TryGetProperty("commonStructs", out var structs))
            {
                foreach (var s in structs.EnumerateArray())
                {
                    common[s.GetProperty("name").GetString()!] = s.GetProperty("fields");
                }
            }
            var spec = new MessageSpec
            {
                Name = root.GetProperty("name").GetString()!,
                ApiKey = key.GetInt16(),
                IsRequest = type == "request",
                ValidVersions = VersionRange.Parse(root.GetProperty("validVersions").GetString()),
                FlexibleVersions = VersionRange.Parse(root.TryGetProperty("flexibleVersions", out var flexible) ? flexible.GetString() : null),
                LatestVersionUnstable = root.TryGetProperty("latestVersionUnstable", out var u) && u.GetBoolean(),
                Fields = root.TryGetProperty("fields", out var fields) ? ParseFields(fields, common) : [],
            };
            into[(spec.ApiKey, spec.IsRequest)] = spec;
        }
    }

    private static List<FieldSpec> ParseFields(JsonElement fields, Dictionary<string, JsonElement> common)
    {
        var list = new List<FieldSpec>();
        foreach (var f in fields.EnumerateArray())
        {
            var type = f.GetProperty("type").GetString()!;
            var isArray = type.StartsWith("[]", StringComparison.Ordinal);
            var element = isArray ? type[2..] : type;
            var field = new FieldSpec
            {
                Name = f.GetProperty("name").GetString()!,
                ElementType = element,
                IsArray = isArray,
                Versions = VersionRange.Parse(f.GetProperty("versions").GetString()),
                NullableVersions = VersionRange.Parse(f.TryGetProperty("nullableVersions", out var n) ? n.GetString() : null),
                TaggedVersions = VersionRange.Parse(f.TryGetProperty("taggedVersions", out var tv) ? tv.GetString() : null),
                Tag = f.TryGetProperty("tag", out var tag) ? (tag.ValueKind == JsonValueKind.String ? int.Parse(tag.GetString()!) : tag.GetInt32()) : -1,
                Default = f.TryGetProperty("default", out var d) ? d.ToString() : null,
            };
            if (f.TryGetProperty("fields", out var children))
            {
                field.Fields = ParseFields(children, common);
            }
            else if (!Primitives.Contains(element) && common.TryGetValue(element, out var shared))
            {
                field.Fields = ParseFields(shared, common);
            }
            list.Add(field);
        }
        return list;
    }
}
