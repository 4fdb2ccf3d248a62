using System.Globalization;

namespace Gregor.Cli;

/// <summary>
/// The parsed command line of a client command (topics, groups, produce, consume): positional
/// words and <c>--name value</c> / <c>--name=value</c> options, each known in advance as taking a
/// value or being a flag; anything else is a <see cref="UsageException"/>. The options every
/// client command shares (<c>--bootstrap-server</c>, <c>--output</c>, <c>--timeout-ms</c>) are
/// parsed here. Immutable once parsed.
/// </summary>
internal sealed class ClientArguments
{
    public const string DefaultBootstrap = "127.0.0.1:9092";

    private static readonly string[] SharedValues = ["--bootstrap-server", "--output", "--timeout-ms"];

    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private ClientArguments()
    {
    }

    public IReadOnlyList<string> Positionals { get; private set; } = [];

    public bool Help => _flags.Contains("--help");

    public string BootstrapServers => Value("--bootstrap-server") ?? DefaultBootstrap;

    /// <summary>True for <c>--output json</c>; a table otherwise.</summary>
    public bool Json => (Value("--output") ?? "table") switch
    {
        "json" => true,
        "table" => false,
        var other => throw new UsageException($"--output must be table or json, got \"{other}\""),
    };

    public TimeSpan Timeout => TimeSpan.FromMilliseconds(Int("--timeout-ms", 10_000, min: 1));

    public static ClientArguments Parse(IReadOnlyList<string> args, IEnumerable<string> valueOptions, IEnumerable<string> flagOptions)
    {
        var values = new HashSet<string>(valueOptions.Concat(SharedValues), StringComparer.Ordinal);
        var flags = new HashSet<string>(flagOptions, StringComparer.Ordinal);
        var parsed = new ClientArguments();
        var positionals = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                parsed._flags.Add("--help");
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                positionals.Add(arg);
                continue;
            }
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            if (flags.Contains(name) && equals < 0)
            {
                parsed._flags.Add(name);
                continue;
            }
            if (!values.Contains(name))
            {
                throw new UsageException($"unknown option {name}");
            }
            string value;
            if (equals > 0)
            {
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                value = args[++i];
            }
            else
            {
                throw new UsageException($"{name} needs a value");
            }
            if (!parsed._values.TryGetValue(name, out var list))
            {
                parsed._values[name] = list = [];
            }
            list.Add(value);
        }
        parsed.Positionals = positionals;
        return parsed;
    }

    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>The last value given for <paramref name="name"/>, or null.</summary>
    public string? Value(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;

    public IReadOnlyList<string> Values(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public int Int(string name, int fallback, int min = int.MinValue) =>
        Value(name) is not { } text ? fallback
        : int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= min ? value
        : throw new UsageException($"{name} must be an integer{(min > int.MinValue ? $" of at least {min}" : "")}, got \"{text}\"");

    public long? Long(string name) =>
        Value(name) is not { } text ? null
        : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value
        : throw new UsageException($"{name} must be an integer, got \"{text}\"");

    /// <summary>Repeated KEY=VALUE options (<c>--config</c>, <c>--header</c>) in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Pairs(string name) =>
        [.. Values(name).Select(pair =>
        {
            var separator = pair.IndexOf('=', StringComparison.Ordinal);
            return separator > 0
                ? new KeyValuePair<string, string>(pair[..separator], pair[(separator + 1)..])
                : throw new UsageException($"{name} expects KEY=VALUE, got \"{pair}\"");
        })];

    /// <summary>The positional word at <paramref name="index"/>, or a usage error naming <paramref name="what"/>.</summary>
    public string Positional(int index, string what) =>
        index < Positionals.Count ? Positionals[index] : throw new UsageException($"missing {what}");

    /// <summary>Fails on positional words beyond <paramref name="count"/>.</summary>
    public void ExpectPositionals(int count)
    {
        if (Positionals.Count > count)
        {
            throw new UsageException($"unexpected argument \"{Positionals[count]}\"");
        }
    }
}
