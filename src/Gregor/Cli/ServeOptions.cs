namespace Gregor.Cli;

/// <summary>
/// The options of <c>gregor serve</c>, parsed from the command line. Each option takes its
/// value as the next argument or after <c>=</c> (<c>--listen=127.0.0.1:9093</c>). Immutable.
/// </summary>
internal sealed record ServeOptions
{
    public const string Usage = """
        Usage: gregor serve [options]

        Runs a Kafka-compatible node: broker, controller or both (alone, a cluster of one).

        Options:
          --listen HOST:PORT               listeners: HOST:PORT or NAME://HOST:PORT,... (default 127.0.0.1:9092; port 0 = any free port)
          --advertised-listener HOST:PORT  addresses clients are told to connect to (default: the broker listeners)
          --data-dir DIR                   data directory (default ./gregor-data)
          --node-id N                      node id (default 1)
          --process-roles ROLES            broker,controller (default), controller or broker
          --controller-listener-names NAMES        listener names the controller serves (e.g. CONTROLLER)
          --controller-quorum-voters VOTERS        static voters: ID@HOST:PORT,... (default: this node alone)
          --controller-quorum-bootstrap-servers HOST:PORT,...  controllers to discover the quorum from
          --listener-security-protocol-map MAP     NAME:PROTOCOL,... (PLAINTEXT only)
          --config FILE                    Kafka server.properties file (key=value)
          --override KEY=VALUE             set a config key; repeatable; wins over the file and options
          -h, --help                       show this help

        Each option sets the Kafka config key of the same meaning (listeners, advertised.listeners, log.dirs,
        node.id, process.roles, controller.listener.names, controller.quorum.voters,
        controller.quorum.bootstrap.servers, listener.security.protocol.map); --listeners, --advertised-listeners
        and --log-dirs are accepted as Kafka-named spellings.

        Exit codes: 0 stopped cleanly, 1 bad arguments or config, 2 cannot listen, 3 data dir unusable,
        4 another start step failed.
        """;

    public bool Help { get; init; }
    public string? ConfigFile { get; init; }
    public string? Listen { get; init; }
    public string? AdvertisedListener { get; init; }
    public string? DataDir { get; init; }
    public string? NodeId { get; init; }

    /// <summary>Config keys set by the cluster options (--process-roles …), in command-line order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> KeyOptions { get; init; } = [];

    /// <summary>Options that set one Kafka config key each.</summary>
    private static readonly Dictionary<string, string> KeyFlags = new(StringComparer.Ordinal)
    {
        ["--process-roles"] = "process.roles",
        ["--controller-listener-names"] = "controller.listener.names",
        ["--controller-quorum-voters"] = "controller.quorum.voters",
        ["--controller-quorum-bootstrap-servers"] = "controller.quorum.bootstrap.servers",
        ["--listener-security-protocol-map"] = "listener.security.protocol.map",
    };
    public IReadOnlyList<KeyValuePair<string, string>> Overrides { get; init; } = [];

    public static ServeOptions Parse(IReadOnlyList<string> args)
    {
        var options = new ServeOptions();
        var overrides = new List<KeyValuePair<string, string>>();
        var keyOptions = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                return options with { Help = true };
            }
            string name;
            string? inline = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                name = arg[..equals];
                inline = arg[(equals + 1)..];
            }
            else
            {
                name = arg;
            }
            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"{name} needs a value");
                }
                return args[++i];
            }
            switch (name)
            {
                case "--listen" or "--listeners":
                    options = options with { Listen = Value() };
                    break;
                case "--advertised-listener" or "--advertised-listeners":
                    options = options with { AdvertisedListener = Value() };
                    break;
                case "--data-dir" or "--log-dirs":
                    options = options with { DataDir = Value() };
                    break;
                case "--node-id":
                    options = options with { NodeId = Value() };
                    break;
                case "--config":
                    options = options with { ConfigFile = Value() };
                    break;
                case "--override":
                    var pair = Value();
                    var separator = pair.IndexOf('=', StringComparison.Ordinal);
                    if (separator <= 0)
                    {
                        throw new UsageException($"--override expects KEY=VALUE, got \"{pair}\"");
                    }
                    overrides.Add(new(pair[..separator].Trim(), pair[(separator + 1)..]));
                    break;
                case var flag when KeyFlags.TryGetValue(flag, out var key):
                    keyOptions.Add(new(key, Value()));
                    break;
                default:
                    throw new UsageException($"unknown option {arg}");
            }
        }
        return options with { Overrides = overrides, KeyOptions = keyOptions };
    }

    /// <summary>
    /// The config key/value map: the file, then the explicit options, then the overrides
    /// (so <c>--override</c> wins, as with Kafka's start script).
    /// </summary>
    public Dictionary<string, string> ToConfigValues(Func<string, Dictionary<string, string>> readFile)
    {
        ArgumentNullException.ThrowIfNull(readFile);
        var values = ConfigFile is null ? new Dictionary<string, string>(StringComparer.Ordinal) : readFile(ConfigFile);
        if (Listen is not null)
        {
            values["listeners"] = Listen;
        }
        if (AdvertisedListener is not null)
        {
            values["advertised.listeners"] = AdvertisedListener;
        }
        if (DataDir is not null)
        {
            values["log.dirs"] = DataDir;
        }
        if (NodeId is not null)
        {
            values["node.id"] = NodeId;
        }
        foreach (var (key, value) in KeyOptions)
        {
            values[key] = value;
        }
        foreach (var (key, value) in Overrides)
        {
            values[key] = value;
        }
        return values;
    }
}
