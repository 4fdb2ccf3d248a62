namespace Gregor.Cli;

/// <summary>
/// The <c>gregor</c> command line: picks the command and maps failures to exit codes:
/// <c>serve</c> runs a node; <c>storage</c> formats its storage; <c>topics</c>, <c>groups</c>, <c>quorum</c>, <c>produce</c> and <c>consume</c>
/// are clients of any Kafka-compatible broker (exit codes in <see cref="Client.ClientExitCodes"/>).
/// </summary>
internal static class GregorCli
{
    private const string Usage = """
        Usage: gregor <command> [options]

        Commands:
          serve    run a node (gregor serve --help for its options)
          storage  format storage, make a cluster id (gregor storage --help)
          topics   list, create, describe, alter, delete topics (gregor topics --help)
          groups   list, describe (with lag), reset offsets of, delete consumer groups
          produce  produce records from stdin or --value
          consume  print records of a topic (kcat-like formats, --output json)
          quorum   describe the metadata quorum: leader, epoch, voters, lag (gregor quorum --help)
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
            case "topics" or "groups" or "produce" or "consume" or "quorum":
                return await RunClientAsync(args[0], args[1..], output, error).ConfigureAwait(false);
            default:
                await error.WriteLineAsync($"gregor: unknown command {args[0]}\n\n{Usage}").ConfigureAwait(false);
                return ExitCodes.Usage;
        }
    }

    private static async Task<int> RunClientAsync(string command, string[] args, TextWriter output, TextWriter error)
    {
        using var cancel = new CancellationTokenSource();
        void OnSignal(System.Runtime.InteropServices.PosixSignalContext context)
        {
            context.Cancel = true;
            cancel.Cancel();
        }
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, OnSignal);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, OnSignal);
        try
        {
            return command switch
            {
                "topics" => await TopicsCommand.RunAsync(args, output, cancel.Token).ConfigureAwait(false),
                "groups" => await GroupsCommand.RunAsync(args, output, cancel.Token).ConfigureAwait(false),
                "quorum" => await QuorumCommand.RunAsync(args, output, cancel.Token).ConfigureAwait(false),
                "produce" => await ProduceCommand.RunAsync(args, Console.In, output, cancel.Token).ConfigureAwait(false),
                _ => await ConsumeCommand.RunAsync(args, output, cancel.Token).ConfigureAwait(false),
            };
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"gregor {command}: {e.Message} (gregor {command} --help)").ConfigureAwait(false);
            return Client.ClientExitCodes.Usage;
        }
        catch (Client.KafkaClientException e)
        {
            await error.WriteLineAsync($"gregor {command}: {e.Message}").ConfigureAwait(false);
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await error.WriteLineAsync($"gregor {command}: interrupted").ConfigureAwait(false);
            return Client.ClientExitCodes.KafkaError;
        }
    }
}
