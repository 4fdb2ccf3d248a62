namespace Gregor.Capture.Spec;

/// <summary>
/// One request or response message spec (one JSON file of Kafka's message folder).
/// Immutable after loading.
/// </summary>
internal sealed class MessageSpec
{
    public required string Name { get; init; }

    public required short ApiKey { get; init; }

    public required bool IsRequest { get; init; }

    public required VersionRange ValidVersions { get; init; }

    public required VersionRange FlexibleVersions { get; init; }

    public required bool LatestVersionUnstable { get; init; }

    public required IReadOnlyList<FieldSpec> Fields { get; init; }

    /// <summary>The API name without the Request/Response suffix, e.g. "Produce".</summary>
    public string ApiName => IsRequest ? Name[..^"Request".Length] : Name[..^"Response".Length];

    /// <summary>Highest version a broker may advertise (Kafka does not advertise an unstable latest version).</summary>
    public short HighestStableVersion => LatestVersionUnstable ? (short)(ValidVersions.Max - 1) : ValidVersions.Max;
}
