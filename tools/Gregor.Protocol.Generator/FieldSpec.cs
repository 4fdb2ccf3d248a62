namespace Gregor.Protocol.Generator;

/// <summary>
/// One field of a message or struct as the spec declares it. <see cref="Fields"/> is set when
/// the field defines an inline struct. Mutable only while specs are loaded and merged.
/// </summary>
public sealed class FieldSpec
{
    public required string Name { get; init; }
    public required string Type { get; init; }
    public required VersionRange Versions { get; set; }
    public VersionRange NullableVersions { get; init; } = VersionRange.None;
    public VersionRange TaggedVersions { get; init; } = VersionRange.None;
    public int? Tag { get; init; }
    public string? Default { get; init; }
    public bool Ignorable { get; init; }
    public bool MapKey { get; init; }

    /// <summary>Per-field override of the message's flexible versions (only RequestHeader.ClientId uses it).</summary>
    public VersionRange? FlexibleVersions { get; init; }

    public List<FieldSpec>? Fields { get; set; }

    public bool IsArray => Type.StartsWith("[]", StringComparison.Ordinal);

    /// <summary>The element type for arrays, the type itself otherwise.</summary>
    public string ElementType => IsArray ? Type[2..] : Type;

    public bool IsStructType => ElementType.Length > 0 && char.IsUpper(ElementType[0]);

    public bool IsNullable => !NullableVersions.IsEmpty;
}
