using System.Runtime.InteropServices;
using Gregor.Broker;
using Gregor.Broker.Config;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Gregor.Cli;

/// <summary>
/// <c>gregor serve</c>: builds the config, starts a <see cref="GregorBroker"/> with console
/// logging, prints the ready line, and runs until SIGTERM or SIGINT (Ctrl-C), then stops the
/// broker and disposes it (closing listeners, flushing logs) and exits 0.
/// </summary>
internal static class ServeCommand
{
    public static async Task<int> RunAsync(ServeOptions options, TextWriter output, TextWriter error)
    {
        BrokerConfig config;
        try
        {
            config = BrokerConfig.Parse(options.ToConfigValues(JavaPropertiesReader.ReadFile));
        }
        catch (BrokerConfigException e)
        {
            await error.WriteLineAsync($"gregor: invalid configuration: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // we shut down ourselves, cleanly
            stop.TrySetResult();
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        GregorBroker broker;
        try
        {
            broker = await GregorBroker.StartAsync(config, new GregorBrokerOptions { ConfigureLogging = l => ConfigureConsole(l, config) }).ConfigureAwait(false);
        }
        catch (BrokerStartException e)
        {
            await error.WriteLineAsync($"gregor: {e.Message}").ConfigureAwait(false);
            return e.Failure == BrokerStartFailure.ListenFailed ? ExitCodes.ListenFailed : ExitCodes.DataDirUnusable;
        }
        catch (BrokerConfigException e)
        {
            await error.WriteLineAsync($"gregor: invalid configuration: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        await using (broker.ConfigureAwait(false))
        {
            var listening = string.Join(", ", broker.BoundEndPoints.Select(e => e.ToString()));
            await output.WriteLineAsync($"gregor: listening on {listening} (node {config.NodeId}, data dir {broker.DataDir})").ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            await Task.WhenAny(stop.Task, Task.Delay(Timeout.Infinite, broker.Stopping)).ConfigureAwait(false);
            await broker.StopAsync().ConfigureAwait(false);
        }
        await output.WriteLineAsync("gregor: stopped").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static void ConfigureConsole(ILoggingBuilder logging, BrokerConfig config)
    {
        var level = config.LogLevel switch
        {
            "trace" => LogLevel.Trace,
            "debug" => LogLevel.Debug,
            "warn" => LogLevel.Warning,
            "error" => LogLevel.Error,
            _ => LogLevel.Information,
        };
        logging.SetMinimumLevel(level);
        logging.AddFilter("Gregor", level);
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.IncludeScopes = false;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
    }
}
