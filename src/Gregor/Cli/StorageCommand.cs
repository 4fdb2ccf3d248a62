using Gregor.Broker.Config;
using Gregor.Broker.Quorum;

namespace Gregor.Cli;

/// <summary>
/// <c>gregor storage</c>, kafka-storage.sh's commands with its flags, so Kafka's quick-start
/// commands work with <c>gregor</c> in place of the script:
/// <c>format -t/--cluster-id ID -c/--config FILE [--standalone | --initial-controllers LIST |
/// --no-initial-controllers] [--ignore-formatted]</c> and <c>random-uuid</c>.
/// </summary>
internal static class StorageCommand
{
    public const string Usage = """
        Usage: gregor storage <command> [options]

        Commands:
          format        format the node's log directories (meta.properties, and the initial voter set)
          random-uuid   print a new cluster id

        gregor storage format options:
          -t, --cluster-id ID              the cluster id (same on every node; gregor storage random-uuid makes one)
          -c, --config FILE                the node's server.properties (node.id, process.roles, log.dirs, ...)
          --standalone                     this controller alone is the initial voter set (dynamic quorum)
          --initial-controllers LIST       the initial voter set: ID@HOST:PORT:DIRECTORY_ID,...
          --no-initial-controllers         a controller that will join an existing dynamic quorum
          -g, --ignore-formatted           skip directories that are already formatted instead of failing
          --override KEY=VALUE             set a config key over the file; repeatable

        Exit codes: 0 formatted (or nothing left to format with --ignore-formatted), 1 bad arguments,
        configuration or storage.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, TimeProvider time)
    {
        if (args.Count == 0 || args[0] is "-h" or "--help" or "help")
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return args.Count == 0 ? ExitCodes.Usage : ExitCodes.Success;
        }
        switch (args[0])
        {
            case "random-uuid":
                await output.WriteLineAsync(KafkaUuid.NewRandom()).ConfigureAwait(false);
                return ExitCodes.Success;
            case "format":
                try
                {
                    var (config, options) = ParseFormat(args.Skip(1).ToList());
                    foreach (var line in StorageFormatter.Format(config, options, time.GetUtcNow().ToUnixTimeMilliseconds()))
                    {
                        await output.WriteLineAsync(line).ConfigureAwait(false);
                    }
                    return ExitCodes.Success;
                }
                catch (UsageException e)
                {
                    await error.WriteLineAsync($"gregor storage format: {e.Message}\n\n{Usage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
                catch (BrokerConfigException e)
                {
                    await error.WriteLineAsync($"gregor storage format: invalid configuration: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
                catch (StorageFormatException e)
                {
                    await error.WriteLineAsync($"gregor storage format: {e.Message}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
            default:
                await error.WriteLineAsync($"gregor storage: unknown command {args[0]}\n\n{Usage}").ConfigureAwait(false);
                return ExitCodes.Usage;
        }
    }

    private static (BrokerConfig Config, StorageFormatOptions Options) ParseFormat(List<string> args)
    {
        string? clusterId = null, configFile = null, initialControllers = null;
        bool standalone = false, noInitial = false, ignoreFormatted = false;
        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (arg.StartsWith("--", StringComparison.Ordinal) && equals > 0)
            {
                inline = arg[(equals + 1)..];
                arg = arg[..equals];
            }
            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"{arg} needs a value");
                }
                return args[++i];
            }
            switch (arg)
            {
                case "-t" or "--cluster-id":
                    clusterId = Value();
                    break;
                case "-c" or "--config":
                    configFile = Value();
                    break;
                case "-s" or "--standalone":
                    standalone = true;
                    break;
                case "-I" or "--initial-controllers":
                    initialControllers = Value();
                    break;
                case "-N" or "--no-initial-controllers":
                    noInitial = true;
                    break;
                case "-g" or "--ignore-formatted":
                    ignoreFormatted = true;
                    break;
                case "--override":
                    var pair = Value();
                    var separator = pair.IndexOf('=', StringComparison.Ordinal);
                    if (separator <= 0)
                    {
                        throw new UsageException($"--override expects KEY=VALUE, got \"{pair}\"");
                    }
                    overrides[pair[..separator].Trim()] = pair[(separator + 1)..];
                    break;
                default:
                    throw new UsageException($"unknown option {args[i]}");
            }
        }
        if (clusterId is null)
        {
            throw new UsageException("--cluster-id (-t) is required");
        }
        if (configFile is null)
        {
            throw new UsageException("--config (-c) is required");
        }
        var values = JavaPropertiesReader.ReadFile(configFile);
        foreach (var (key, value) in overrides)
        {
            values[key] = value;
        }
        var config = BrokerConfig.Parse(values);
        return (config, new StorageFormatOptions
        {
            ClusterId = clusterId,
            Standalone = standalone,
            InitialControllers = initialControllers,
            NoInitialControllers = noInitial,
            IgnoreFormatted = ignoreFormatted,
        });
    }
}
