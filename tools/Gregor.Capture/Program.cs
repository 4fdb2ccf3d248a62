using System.Net;
using Gregor.Capture.Drivers;
using Gregor.Capture.Mock;
using Gregor.Capture.Proxy;
using Gregor.Capture.Spec;

// gregor-capture: records the request frames real Kafka clients send.
//   gregor-capture mock  --out DIR --client NAME [--port P] [--specs DIR] [--max N]
//   gregor-capture proxy --target HOST:PORT --out DIR --client NAME [--port P] [--specs DIR] [--max N]
//   gregor-capture confluent --bootstrap HOST:PORT [--topic-prefix P] [--group G]
// mock/proxy print "capture: listening on 127.0.0.1:PORT" and run until stdin closes or SIGTERM.
var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 1; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}
var command = args.Length > 0 ? args[0] : "";
string Option(string name, string? fallback = null) =>
    options.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"missing --{name}");

switch (command)
{
    case "confluent":
        return ConfluentDriver.Run(Option("bootstrap"), Option("topic-prefix", "golden-confluent"), Option("group", "golden-confluent-group"));
    case "mock":
    case "proxy":
        var specs = options.TryGetValue("specs", out var s) ? s : SpecCatalog.Locate(AppContext.BaseDirectory) ?? SpecCatalog.Locate(Environment.CurrentDirectory);
        if (specs is null)
        {
            Console.Error.WriteLine("capture: Kafka spec folder not found; pass --specs DIR (src/Gregor.Protocol/Specs)");
            return 2;
        }
        var catalog = SpecCatalog.Load(specs);
        var recorder = new FrameRecorder(Option("out"), Option("client"), int.Parse(Option("max", "8")));
        MockBroker? mock = command == "mock" ? new MockBroker(catalog, int.Parse(Option("partitions", "1"))) : null;
        var target = command == "proxy" ? IPEndPoint.Parse(Option("target")) : null;
        await using (var server = new CaptureServer(catalog, recorder, target, mock))
        {
            server.Start(int.Parse(Option("port", "0")));
            if (mock is not null)
            {
                mock.AdvertisedPort = server.Port;
            }
            Console.WriteLine($"capture: listening on 127.0.0.1:{server.Port}");
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Normal shutdown.
            }
        }
        return 0;
    default:
        Console.Error.WriteLine("usage: gregor-capture mock|proxy|confluent [options] (see tools/Gregor.Capture/README.md)");
        return 2;
}
