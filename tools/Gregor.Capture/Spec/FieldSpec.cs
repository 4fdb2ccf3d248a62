namespace Gregor.Capture.Spec;

/// <summary>
/// One field of a Kafka message spec: its name, wire type and the versions in which it is
/// present, nullable or tagged. Struct and array-of-struct fields carry their child fields
/// (inline or resolved from the message's commonStructs). Immutable after loading.
/// </summary>
internal sealed class FieldSpec
{
    public required string Name { get; init; }

    /// <summary>The spec type with any leading "[]" removed (int32, string, records, a struct name …).</summary>
    public required string ElementType { get; init; }

    public required bool IsArray { get; init; }

    public required VersionRange Versions { get; init; }

    public required VersionRange NullableVersions { get; init; }

    public required VersionRange TaggedVersions { get; init; }

    public int Tag { get; init; } = -1;

    public string? Default { get; init; }

    /// <summary>Child fields when the element type is a struct; null for scalars.</summary>
    public IReadOnlyList<FieldSpec>? Fields { get; set; }

    public bool IsStruct => Fields is not null;
}
