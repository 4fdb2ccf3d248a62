using System.Text.Json;

namespace Gregor.Protocol.Generator;

/// <summary>
/// Loads Kafka's request/response specs (JSON with <c>//</c> comments) and merges in the old
/// versions Kafka 4 removed, from <c>legacy-2024/</c>. The merge rule: valid versions become the
/// union of both ranges; fields are the current spec's fields plus every field found only in
/// the legacy spec, inserted after its legacy predecessor and limited to the legacy-only
/// versions. Stateless; thread-safe.
/// </summary>
public static class SpecLoader
{
    public const string LegacyFolder = "legacy-2024";

    /// <summary>
    /// Messages whose removed versions are not merged back: version 0 of the share-group APIs was
    /// early access (no released client speaks it), and the ZooKeeper-era inter-broker APIs
    /// (validVersions "none" today) are not spoken by clients.
    /// </summary>
    private static readonly HashSet<string> LegacyExcluded =
    [
        "ShareAcknowledgeRequest", "ShareAcknowledgeResponse", "ShareFetchRequest", "ShareFetchResponse",
        "ShareGroupDescribeRequest", "ShareGroupDescribeResponse", "ShareGroupHeartbeatRequest",
        "ShareGroupHeartbeatResponse",
    ];

    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>All request and response specs in <paramref name="specDir"/>, sorted by name, legacy versions merged.</summary>
    public static List<MessageSpec> LoadMessages(string specDir)
    {
        var legacyDir = Path.Combine(specDir, LegacyFolder);
        var messages = new List<MessageSpec>();
        foreach (var path in Directory.GetFiles(specDir, "*.json").OrderBy(p => p, StringComparer.Ordinal))
        {
            var current = LoadFile(path);
            if (current is null)
            {
                continue;
            }
            var legacyPath = Path.Combine(legacyDir, Path.GetFileName(path));
            if (File.Exists(legacyPath) && LoadFile(legacyPath) is { } legacy)
            {
                MergeLegacy(current, legacy);
            }
            messages.Add(current);
        }
        return messages;
    }

    /// <summary>One spec file, or null when it is not a request or response (headers, data schemas).</summary>
    public static MessageSpec? LoadFile(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), Options);
        var root = document.RootElement;
        var kind = root.GetProperty("type").GetString();
        if (kind is not ("request" or "response"))
        {
            return null;
        }
        return new MessageSpec
        {
            Name = root.GetProperty("name").GetString()!,
            Kind = kind,
            ApiKey = root.TryGetProperty("apiKey", out var key) ? key.GetInt16() : (short)-1,
            ValidVersions = VersionRange.Parse(root.GetProperty("validVersions").GetString()),
            FlexibleVersions = VersionRange.Parse(root.TryGetProperty("flexibleVersions", out var flex) ? flex.GetString() : "none"),
            LatestVersionUnstable = root.TryGetProperty("latestVersionUnstable", out var unstable) && unstable.GetBoolean(),
            Fields = root.TryGetProperty("fields", out var fields) ? ParseFields(fields) : [],
            CommonStructs = root.TryGetProperty("commonStructs", out var common) ? ParseStructs(common) : [],
        };
    }

    private static List<StructSpec> ParseStructs(JsonElement array)
    {
        var structs = new List<StructSpec>();
        foreach (var element in array.EnumerateArray())
        {
            structs.Add(new StructSpec
            {
                Name = element.GetProperty("name").GetString()!,
                Versions = VersionRange.Parse(element.TryGetProperty("versions", out var v) ? v.GetString() : "0+"),
                Fields = ParseFields(element.GetProperty("fields")),
            });
        }
        return structs;
    }

    private static List<FieldSpec> ParseFields(JsonElement array)
    {
        var fields = new List<FieldSpec>();
        foreach (var element in array.EnumerateArray())
        {
            fields.Add(new FieldSpec
            {
                Name = element.GetProperty("name").GetString()!,
                Type = element.GetProperty("type").GetString()!,
                Versions = VersionRange.Parse(element.GetProperty("versions").GetString()),
                NullableVersions = VersionRange.Parse(OptionalString(element, "nullableVersions")),
                TaggedVersions = VersionRange.Parse(OptionalString(element, "taggedVersions")),
                Tag = element.TryGetProperty("tag", out var tag) ? ParseInt(tag) : null,
                Default = element.TryGetProperty("default", out var def)
                    ? def.ValueKind == JsonValueKind.String ? def.GetString() : def.GetRawText()
                    : null,
                Ignorable = element.TryGetProperty("ignorable", out var ignorable) && ignorable.GetBoolean(),
                MapKey = element.TryGetProperty("mapKey", out var mapKey) && mapKey.GetBoolean(),
                FlexibleVersions = OptionalString(element, "flexibleVersions") is { } f ? VersionRange.Parse(f) : null,
                Fields = element.TryGetProperty("fields", out var nested) ? ParseFields(nested) : null,
            });
        }
        return fields;
    }

    private static int ParseInt(JsonElement element) =>
        element.ValueKind == JsonValueKind.String
            ? int.Parse(element.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            : element.GetInt32();

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static void MergeLegacy(MessageSpec current, MessageSpec legacy)
    {
        if (current.ValidVersions.IsEmpty || legacy.ValidVersions.IsEmpty
            || legacy.ValidVersions.Lowest >= current.ValidVersions.Lowest
            || LegacyExcluded.Contains(current.Name))
        {
            return;
        }
        var legacyOnly = new VersionRange(legacy.ValidVersions.Lowest, (short)(current.ValidVersions.Lowest - 1));
        current.LegacyOnlyVersions = legacyOnly;
        current.ValidVersions = new VersionRange(legacy.ValidVersions.Lowest, current.ValidVersions.Highest);
        current.Fields = MergeFields(current.Fields, legacy.Fields, legacyOnly);
        foreach (var legacyStruct in legacy.CommonStructs)
        {
            var match = current.CommonStructs.Find(s => s.Name == legacyStruct.Name);
            if (match is null)
            {
                current.CommonStructs.Add(legacyStruct);
            }
            else
            {
                match.Fields = MergeFields(match.Fields, legacyStruct.Fields, legacyOnly);
            }
        }
    }

    private static List<FieldSpec> MergeFields(List<FieldSpec> current, List<FieldSpec> legacy, VersionRange legacyOnly)
    {
        var merged = new List<FieldSpec>(current);
        var insertAt = 0;
        foreach (var legacyField in legacy)
        {
            var index = merged.FindIndex(f => f.Name == legacyField.Name);
            if (index >= 0)
            {
                var existing = merged[index];
                if (existing.Fields is not null && legacyField.Fields is not null)
                {
                    existing.Fields = MergeFields(existing.Fields, legacyField.Fields, legacyOnly);
                }
                insertAt = index + 1;
                continue;
            }
            legacyField.Versions = legacyField.Versions.Intersect(legacyOnly);
            if (legacyField.Versions.IsEmpty)
            {
                continue;
            }
            merged.Insert(insertAt, legacyField);
            insertAt++;
        }
        return merged;
    }
}
