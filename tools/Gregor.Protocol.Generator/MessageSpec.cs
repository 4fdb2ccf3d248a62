namespace Gregor.Protocol.Generator;

/// <summary>
/// One request or response spec, after the legacy versions have been merged in
/// (<see cref="SpecLoader"/>). Mutable only while specs are loaded and merged.
/// </summary>
public sealed class MessageSpec
{
    public required string Name { get; init; }
    public required string Kind { get; init; }
    public short ApiKey { get; init; }
    public required VersionRange ValidVersions { get; set; }
    public required VersionRange FlexibleVersions { get; init; }
    public bool LatestVersionUnstable { get; init; }
    public required List<FieldSpec> Fields { get; set; }
    public required List<StructSpec> CommonStructs { get; set; }

    /// <summary>The versions that exist only in legacy-2024/ (empty when nothing was merged).</summary>
    public VersionRange LegacyOnlyVersions { get; set; } = VersionRange.None;

    public bool IsRequest => Kind == "request";

    /// <summary>The highest version advertised to clients: unstable latest versions are excluded.</summary>
    public short HighestStableVersion =>
        LatestVersionUnstable && !ValidVersions.IsEmpty ? (short)(ValidVersions.Highest - 1) : ValidVersions.Highest;
}

/// <summary>A named struct from <c>commonStructs</c>.</summary>
public sealed class StructSpec
{
    public required string Name { get; init; }
    public required VersionRange Versions { get; init; }
    public required List<FieldSpec> Fields { get; set; }
}
