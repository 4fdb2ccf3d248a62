using System.Text;
using System.Text.Json;

namespace Gregor.Cli;

/// <summary>
/// Writes a client command's result: an aligned text table for people, or JSON (camelCase,
/// one document) with <c>--output json</c> for scripts. Stateless.
/// </summary>
internal static class OutputFormatter
{
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = false };

    public static string Json(object value) => JsonSerializer.Serialize(value, JsonOptions);

    public static string Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<object?>> rows)
    {
        var cells = rows.Select(r => r.Select(Format).ToList()).ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(r => r[i].Length))).ToList();
        var text = new StringBuilder();
        void Line(IReadOnlyList<string> values)
        {
            for (var i = 0; i < values.Count; i++)
            {
                text.Append(i == values.Count - 1 ? values[i] : values[i].PadRight(widths[i] + 2));
            }
            text.Append('\n');
        }
        Line(headers);
        foreach (var row in cells)
        {
            Line(row);
        }
        return text.ToString().TrimEnd('\n');
    }

    private static string Format(object? value) => value switch
    {
        null => "-",
        IEnumerable<int> list => string.Join(',', list),
        IFormattable formattable => formattable.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
