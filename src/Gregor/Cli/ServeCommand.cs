using System.Net;
using System.Runtime.InteropServices;
using Gregor.Broker;
using Gregor.Broker.Config;
using Gregor.Http;
using Gregor.WebConsole;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Gregor.Cli;

/// <summary>
/// <c>gregor serve</c>: builds the config and the ASP.NET Core application (the host's HTTP
/// listener on <c>gregor.http.listen</c> with <see cref="HealthEndpoint"/>, plus the broker's
/// Kafka listeners), starts the <see cref="GregorBroker"/> node on it with console logging,
/// prints the ready line, and runs until SIGTERM or SIGINT (Ctrl-C), then stops the node
/// (closing listeners, flushing logs, releasing the data dir) and exits 0. A signal during the
/// start cancels it.
/// </summary>
internal static class ServeCommand
{
    public const string HttpListenKey = "gregor.http.listen";
    public const string DefaultHttpListen = "127.0.0.1:9644";

    public static async Task<int> RunAsync(ServeOptions options, TextWriter output, TextWriter error)
    {
        BrokerConfig config;
        IPEndPoint? http;
        try
        {
            config = BrokerConfig.Parse(options.ToConfigValues(JavaPropertiesReader.ReadFile));
            http = HttpEndPoint(config);
        }
        catch (BrokerConfigException e)
        {
            await error.WriteLineAsync($"gregor: invalid configuration: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cancelStart = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // we shut down ourselves, cleanly
            stop.TrySetResult();
            cancelStart.Cancel();
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "gregor" });
        builder.Logging.AddBrokerLogDefaults();
        ConfigureConsole(builder.Logging, config);
        builder.AddGregorBroker(config);
        builder.AddGregorTelemetry(config, metrics: http is not null);
        ListenOptions? httpListen = null;
        if (http is not null)
        {
            builder.Services.AddRoutingCore();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(http, listen => httpListen = listen));
        }
        var app = builder.Build();
        await using (app.ConfigureAwait(false))
        {
            var broker = new GregorBroker(app);
            if (http is not null)
            {
                app.MapHealth(broker.Lifecycle);
                HostMetrics.Register(app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), broker.DataDir);
                app.MapMetrics();
                app.MapAdminApi(broker);
                app.MapConsole(broker);
            }
            try
            {
                await broker.StartAsync(cancelStart.Token).ConfigureAwait(false);
            }
            catch (BrokerStartException e)
            {
                await error.WriteLineAsync($"gregor: {e.Message}").ConfigureAwait(false);
                return e.Failure switch
                {
                    BrokerStartFailure.ListenFailed => ExitCodes.ListenFailed,
                    BrokerStartFailure.DataDirUnusable => ExitCodes.DataDirUnusable,
                    _ => ExitCodes.StartFailed,
                };
            }
            catch (BrokerConfigException e)
            {
                await error.WriteLineAsync($"gregor: invalid configuration: {e.Message}").ConfigureAwait(false);
                return ExitCodes.Usage;
            }
            catch (OperationCanceledException) when (cancelStart.IsCancellationRequested)
            {
                // Stopped by a signal while starting; the lifecycle undid what it had done.
                await output.WriteLineAsync("gregor: stopped").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            if (httpListen?.IPEndPoint is { } httpBound)
            {
                HostLog.HttpListening(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Gregor.Http"), httpBound, HealthEndpoint.Path);
                // Before the ready line, so whoever waits for that line already has the URL.
                await output.WriteLineAsync($"gregor: console at {ConsoleUrl(httpBound)}").ConfigureAwait(false);
            }
            var listening = string.Join(", ", broker.BoundEndPoints.Select(e => e.ToString()));
            await output.WriteLineAsync($"gregor: listening on {listening} (node {config.NodeId}, data dir {broker.DataDir})").ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            await Task.WhenAny(stop.Task, Task.Delay(Timeout.Infinite, broker.Stopping)).ConfigureAwait(false);
            await broker.StopAsync().ConfigureAwait(false);
        }
        await output.WriteLineAsync("gregor: stopped").ConfigureAwait(false);
        return ExitCodes.Success;
    }

    /// <summary>The console's address as a person types it (a wildcard bind is reached on loopback).</summary>
    internal static string ConsoleUrl(IPEndPoint bound)
    {
        var host = bound.Address.Equals(IPAddress.Any) || bound.Address.Equals(IPAddress.IPv6Any) ? IPAddress.Loopback : bound.Address;
        return $"http://{new IPEndPoint(host, bound.Port)}{ConsoleEndpoints.PagePath}";
    }

    /// <summary>The host's HTTP listener (health, /metrics, the admin API, the console); none when the key is empty.</summary>
    private static IPEndPoint? HttpEndPoint(BrokerConfig config)
    {
        var value = config.HttpListen.Trim();
        return value.Length == 0 ? null : ListenerAddress.Parse(value, HttpListenKey).ToBindEndPoint();
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
        if (config.LogFormat == "json")
        {
            // One JSON object per line (timestamp, level, category, event id, message, state) for log shippers.
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = false;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
            });
            return;
        }
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
