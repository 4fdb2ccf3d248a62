using System.Globalization;
using System.Text;

namespace Gregor.Broker.Config;

/// <summary>
/// Reads the <c>java.util.Properties</c> text format that Kafka's <c>server.properties</c> uses:
/// <c>#</c>/<c>!</c> comment lines, <c>key=value</c>, <c>key: value</c> and <c>key value</c>,
/// a line ending in an odd number of backslashes continues on the next line (whose leading
/// whitespace is dropped), and the escapes <c>\t \n \r \f \uXXXX</c> (any other escaped
/// character stands for itself, so <c>\=</c> and <c>\:</c> put those characters in a key).
/// A later duplicate key wins, as in Java. The text is read as UTF-8 (Java reads ISO-8859-1;
/// the two agree for the ASCII every Kafka config key and most values use). Stateless.
/// </summary>
public static class JavaPropertiesReader
{
    public static Dictionary<string, string> ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BrokerConfigException($"cannot read config file {path}: {e.Message}");
        }
        return Parse(text);
    }

    public static Dictionary<string, string> Parse(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var position = 0;
        var logical = new StringBuilder();
        while (position < text.Length)
        {
            var line = ReadNaturalLine(text, ref position);
            var start = SkipWhitespace(line, 0);
            if (start == line.Length || line[start] == '#' || line[start] == '!')
            {
                continue;
            }
            logical.Clear();
            logical.Append(line, start, line.Length - start);
            // An odd number of trailing backslashes joins the next natural line.
            while (EndsWithContinuation(logical))
            {
                logical.Length--;
                if (position >= text.Length)
                {
                    break;
                }
                var next = ReadNaturalLine(text, ref position);
                var nextStart = SkipWhitespace(next, 0);
                logical.Append(next, nextStart, next.Length - nextStart);
            }
            var (key, value) = SplitKeyValue(logical.ToString());
            result[key] = value;
        }
        return result;
    }

    private static string ReadNaturalLine(string text, ref int position)
    {
        var start = position;
        while (position < text.Length && text[position] != '\n' && text[position] != '\r')
        {
            position++;
        }
        var line = text[start..position];
        if (position < text.Length)
        {
            if (text[position] == '\r' && position + 1 < text.Length && text[position + 1] == '\n')
            {
                position++;
            }
            position++;
        }
        return line;
    }

    private static int SkipWhitespace(string s, int index)
    {
        while (index < s.Length && s[index] is ' ' or '\t' or '\f')
        {
            index++;
        }
        return index;
    }

    private static bool EndsWithContinuation(StringBuilder line)
    {
        var count = 0;
        for (var i = line.Length - 1; i >= 0 && line[i] == '\\'; i--)
        {
            count++;
        }
        return count % 2 == 1;
    }

    private static (string Key, string Value) SplitKeyValue(string line)
    {
        var keyEnd = 0;
        var escaped = false;
        while (keyEnd < line.Length)
        {
            var c = line[keyEnd];
            if (escaped)
            {
                escaped = false;
            }
            else if (c == '\\')
            {
                escaped = true;
            }
            else if (c is '=' or ':' or ' ' or '\t' or '\f')
            {
                break;
            }
            keyEnd++;
        }
        var valueStart = SkipWhitespace(line, keyEnd);
        if (valueStart < line.Length && line[valueStart] is '=' or ':')
        {
            valueStart = SkipWhitespace(line, valueStart + 1);
        }
        return (Unescape(line[..keyEnd]), Unescape(line[valueStart..]));
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\'))
        {
            return s;
        }
        var builder = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c != '\\' || i + 1 >= s.Length)
            {
                builder.Append(c);
                continue;
            }
            var e = s[++i];
            switch (e)
            {
                case 't': builder.Append('\t'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 'f': builder.Append('\f'); break;
                case 'u':
                    if (s.Length - i - 1 < 4
                        || !ushort.TryParse(s.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                    {
                        throw new BrokerConfigException($"malformed \\uxxxx escape in \"{s}\"");
                    }
                    builder.Append((char)code);
                    i += 4;
                    break;
                default: builder.Append(e); break;
            }
        }
        return builder.ToString();
    }
}
