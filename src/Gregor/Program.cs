using Gregor.Cli;

return await GregorCli.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
