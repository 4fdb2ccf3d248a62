namespace Gregor.Capture.Spec;

/// <summary>
/// A decoded (or to-be-encoded) message or struct: field name → value, where a value is a
/// long (every integer type), bool, double, string, byte[] (bytes and records), Guid,
/// <see cref="List{T}"/> of values (arrays) or a nested <see cref="SpecObject"/>. Fields not
/// set encode as their spec default. Not thread-safe; one per request.
/// </summary>
internal sealed class SpecObject : Dictionary<string, object?>
{
    public SpecObject()
        : base(StringComparer.Ordinal)
    {
    }

    public long Long(string name, long fallback = 0) => TryGetValue(name, out var v) && v is not null ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public int Int(string name, int fallback = 0) => (int)Long(name, fallback);

    public string? Str(string name) => TryGetValue(name, out var v) ? v as string : null;

    public byte[]? Bytes(string name) => TryGetValue(name, out var v) ? v as byte[] : null;

    public Guid Uuid(string name) => TryGetValue(name, out var v) && v is Guid g ? g : Guid.Empty;

    public bool Has(string name) => ContainsKey(name);

    /// <summary>The array field's elements; empty when absent or null.</summary>
    public IEnumerable<SpecObject> Objects(string name) =>
        TryGetValue(name, out var v) && v is List<object?> list ? list.OfType<SpecObject>() : [];

    /// <summary>The array field's scalar elements as longs; null when absent or null.</summary>
    public List<long>? Longs(string name) =>
        TryGetValue(name, out var v) && v is List<object?> list ? list.Select(x => Convert.ToInt64(x, System.Globalization.CultureInfo.InvariantCulture)).ToList() : null;

    public bool IsNullArray(string name) => !TryGetValue(name, out var v) || v is null;
}
