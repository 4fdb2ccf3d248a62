using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Gregor.Tests.Observability;

/// <summary>
/// An in-test OTLP/HTTP receiver: accepts POSTs on 127.0.0.1 (port 0), answers 200 with an
/// empty protobuf body, and keeps each request's path, content type and body. HTTP/1.1 with
/// Content-Length only (what the OpenTelemetry .NET exporter sends); bodies are bounded.
/// Dispose to stop it.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private const int MaxBodyBytes = 16 << 20;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string Path, string ContentType, byte[] Body)> _requests = [];
    private readonly Task _accepting;

    public OtlpReceiver()
    {
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public IReadOnlyList<(string Path, string ContentType, byte[] Body)> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                _ = ServeAsync(client);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                while (!_stop.IsCancellationRequested)
                {
                    var head = await ReadHeadAsync(stream);
                    if (head is null)
                    {
                        return;
                    }
                    var lines = head.Split("\r\n");
                    var path = lines[0].Split(' ')[1];
                    var headers = lines.Skip(1).Where(l => l.Contains(':', StringComparison.Ordinal))
                        .ToDictionary(l => l[..l.IndexOf(':', StringComparison.Ordinal)].Trim().ToLowerInvariant(), l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim());
                    var length = int.Parse(headers.GetValueOrDefault("content-length", "0"), System.Globalization.CultureInfo.InvariantCulture);
                    if (length is < 0 or > MaxBodyBytes)
                    {
                        return;
                    }
                    var body = new byte[length];
                    await stream.ReadExactlyAsync(body, _stop.Token);
                    lock (_requests)
                    {
                        _requests.Add((path, headers.GetValueOrDefault("content-type", ""), body));
                    }
                    await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n"), _stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or EndOfStreamException or FormatException)
            {
            }
        }
    }

    private async Task<string?> ReadHeadAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 64 * 1024)
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0)
            {
                return null;
            }
            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
            {
                return Encoding.ASCII.GetString([.. head]);
            }
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
