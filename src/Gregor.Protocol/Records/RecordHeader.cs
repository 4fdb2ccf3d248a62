using System.Text;

namespace Gregor.Protocol.Records;

/// <summary>
/// One record header: a UTF-8 key and a value that may be null (distinct from empty). When read
/// from a batch both are slices of the batch's bytes (no copy); when building a batch they are
/// whatever memory the caller owns. Immutable.
/// </summary>
public readonly struct RecordHeader(ReadOnlyMemory<byte> key, ReadOnlyMemory<byte>? value)
{
    /// <summary>The header key, UTF-8 encoded.</summary>
    public ReadOnlyMemory<byte> Key { get; } = key;

    /// <summary>The value bytes; empty when <see cref="IsValueNull"/>.</summary>
    public ReadOnlyMemory<byte> Value { get; } = value ?? default;

    public bool IsValueNull { get; } = value is null;

    /// <summary>Decodes the key (allocates a string; for tests and diagnostics, not the hot path).</summary>
    public string KeyString => Encoding.UTF8.GetString(Key.Span);

    /// <summary>Convenience for building: encodes <paramref name="key"/> as UTF-8.</summary>
    public static RecordHeader Create(string key, byte[]? value) =>
        new(Encoding.UTF8.GetBytes(key), value is null ? (ReadOnlyMemory<byte>?)null : new ReadOnlyMemory<byte>(value));
}
