namespace Gregor.Cli;

/// <summary>
/// The <c>gregor</c> command line: picks the command and maps failures to exit codes
/// (<c>serve</c>, <c>storage</c>; topic/group/produce/consume commands come later).
/// </summary>
internal static class GregorCli
{
    private const string Usage = """
        Usage: gregor <command> [options]

        Commands:
          serve    run a node (gregor serve --help for its options)
          storage  format storage, make a cluster id (gregor storage --help)
        """;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Success;
        }
        switch (args[0])
        {
            case "serve":
                ServeOptions options;
                try
                {
                    options = ServeOptions.Parse(args[1..]);
                }
                catch (UsageException e)
                {
                    await error.WriteLineAsync($"gregor serve: {e.Message}\n\n{ServeOptions.Usage}").ConfigureAwait(false);
                    return ExitCodes.Usage;
                }
                if (options.Help)
                {
                    await output.WriteLineAsync(ServeOptions.Usage).ConfigureAwait(false);
                    return ExitCodes.Success;
                }
                return await ServeCommand.RunAsync(options, output, error).ConfigureAwait(false);
            case "storage":
                return await StorageCommand.RunAsync(args[1..], output, error, TimeProvider.System).ConfigureAwait(false);
            default:
                await error.WriteLineAsync($"gregor: unknown command {args[0]}\n\n{Usage}").ConfigureAwait(false);
                return ExitCodes.Usage;
        }
    }
}
