using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Gregor.Capture.Mock;
using Gregor.Capture.Spec;

namespace Gregor.Capture.Proxy;

/// <summary>
/// The recording TCP listener. Each accepted client connection is read frame by frame
/// (4-byte big-endian size, then header and body); every request frame is handed to the
/// <see cref="FrameRecorder"/>, then either forwarded unchanged to the upstream broker
/// (responses are copied back byte for byte) or answered by the in-process
/// <see cref="MockBroker"/>. Runs until disposed; each connection has its own task.
/// </summary>
internal sealed class CaptureServer(SpecCatalog catalog, FrameRecorder recorder, IPEndPoint? upstream, MockBroker? mock) : IAsyncDisposable
{
    private const int MaxFrameBytes = 100 * 1024 * 1024;

    private TcpListener _listener = null!;
    private readonly CancellationTokenSource _stop = new();

    public int Port { get; private set; }

    public void Start(int port)
    {
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var connection = client;
        client.NoDelay = true;
        var clientStream = client.GetStream();
        TcpClient? upstreamClient = null;
        try
        {
            Stream? upstreamStream = null;
            if (upstream is not null)
            {
                upstreamClient = new TcpClient { NoDelay = true };
                await upstreamClient.ConnectAsync(upstream, _stop.Token);
                upstreamStream = upstreamClient.GetStream();
                _ = upstreamStream.CopyToAsync(clientStream, _stop.Token).ContinueWith(_ => client.Close(), TaskScheduler.Default);
            }
            var sizeBytes = new byte[4];
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    await clientStream.ReadExactlyAsync(sizeBytes, _stop.Token);
                }
                catch (EndOfStreamException)
                {
                    return;
                }
                var size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
                if (size is < 4 or > MaxFrameBytes)
                {
                    await Console.Error.WriteLineAsync($"capture: closing connection: frame size {size}");
                    return;
                }
                var frame = new byte[size];
                await clientStream.ReadExactlyAsync(frame, _stop.Token);
                recorder.Record(frame, catalog);
                if (upstreamStream is not null)
                {
                    await upstreamStream.WriteAsync(sizeBytes, _stop.Token);
                    await upstreamStream.WriteAsync(frame, _stop.Token);
                    continue;
                }
                var response = await mock!.HandleAsync(frame, _stop.Token);
                if (response is not null)
                {
                    await clientStream.WriteAsync(response, _stop.Token);
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client went away or we are stopping: nothing to report.
        }
        finally
        {
            upstreamClient?.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Dispose();
        _stop.Dispose();
    }
}
