using System.Collections;
using System.Reflection;
using Gregor.Protocol.Messages;

namespace Gregor.Protocol.Tests.Messages;

/// <summary>
/// Field-by-field comparison of two generated messages (nested structs, lists, byte arrays,
/// record slices and unknown tagged fields by content). Returns the path of the first
/// difference, or null when equal. Stateless.
/// </summary>
internal static class MessageComparer
{
    public static string? FirstDifference(object? expected, object? actual, string path)
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }
        switch (expected)
        {
            case byte[] bytes:
                return actual is byte[] other && bytes.AsSpan().SequenceEqual(other) ? null : $"{path}: byte arrays differ";
            case ReadOnlyMemory<byte> memory:
                return actual is ReadOnlyMemory<byte> otherMemory && memory.Span.SequenceEqual(otherMemory.Span)
                    ? null
                    : $"{path}: bytes differ";
            case RawTaggedField raw:
                var otherRaw = (RawTaggedField)actual;
                return raw.Tag == otherRaw.Tag && raw.Data.Span.SequenceEqual(otherRaw.Data.Span)
                    ? null
                    : $"{path}: tagged field {raw.Tag} differs from {otherRaw.Tag}";
            case string or sbyte or short or ushort or int or long or double or bool or Guid:
                return expected.Equals(actual) ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
            case IList list:
                var otherList = (IList)actual;
                if (list.Count != otherList.Count)
                {
                    return $"{path}: expected {list.Count} elements, got {otherList.Count}";
                }
                for (var i = 0; i < list.Count; i++)
                {
                    if (FirstDifference(list[i], otherList[i], $"{path}[{i}]") is { } difference)
                    {
                        return difference;
                    }
                }
                return null;
        }
        foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.Name == nameof(IApiMessage.ApiKey))
            {
                continue;
            }
            var difference = FirstDifference(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}");
            if (difference is not null)
            {
                return difference;
            }
        }
        return null;
    }

    private static string Show(object? value) => value switch
    {
        null => "null",
        string s => $"\"{s}\"",
        _ => value.ToString() ?? "?",
    };
}
