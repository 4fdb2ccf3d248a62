using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Gregor.Bench;

/// <summary>
/// The peer: Debian redis-server with AOF (appendfsync everysec, no RDB) in a temp directory on
/// a free port. Appends with <c>redis-benchmark -P 64 XADD key * f PAYLOAD</c>, reads the whole
/// stream back with XREAD COUNT 1000 over a minimal RESP client. Lifecycle: StartAsync →
/// XaddAsync/XreadAsync → DisposeAsync (SHUTDOWN NOSAVE via kill). One owner, not thread-safe.
/// </summary>
internal sealed class RedisPeer : IAsyncDisposable
{
    private readonly Process _server;
    private readonly int _port;

    private RedisPeer(Process server, int port)
    {
        _server = server;
        _port = port;
    }

    public static async Task<RedisPeer?> StartAsync(string directory)
    {
        if (!Shell.Exists("redis-server") || !Shell.Exists("redis-benchmark"))
        {
            return null;
        }
        var port = Shell.FreePort();
        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "", "--daemonize", "no" })
        {
            info.ArgumentList.Add(arg);
        }
        var server = Process.Start(info) ?? throw new InvalidOperationException("cannot start redis-server");
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var deadline = Stopwatch.GetTimestamp() + 30 * Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return new RedisPeer(server, port);
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        server.Kill();
        throw new InvalidOperationException("redis-server did not start listening");
    }

    public int Pid => _server.Id;

    /// <summary>Appends <paramref name="count"/> entries of <paramref name="size"/> bytes with 50 clients × 64 pipelined.</summary>
    public async Task<ThroughputResult> XaddAsync(string key, int size, int count)
    {
        var payload = new string('x', size);
        var run = await Shell.RunAsync("redis-benchmark",
            ["-h", "127.0.0.1", "-p", _port.ToString(CultureInfo.InvariantCulture), "-P", "64", "-c", "50",
             "-n", count.ToString(CultureInfo.InvariantCulture), "--csv", "XADD", key, "*", "f", payload], TimeSpan.FromMinutes(5));
        var line = run.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        var fields = line.Split(',');
        if (run.ExitCode != 0 || fields.Length < 2
            || !double.TryParse(fields[1].Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out var rps) || rps <= 0)
        {
            return new ThroughputResult($"Redis XADD {size} B", 0, 0, 0) { Note = "redis-benchmark failed: " + run.StdErr.Trim() };
        }
        return new ThroughputResult($"Redis XADD {SizeLabel(size)} (-P 64)", count, (long)count * size, count / rps);
    }

    /// <summary>Reads the whole stream from the start, 1000 entries per XREAD.</summary>
    public async Task<ThroughputResult> XreadAsync(string key, int size)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", _port);
        client.NoDelay = true;
        var stream = new BufferedStream(client.GetStream(), 1 << 16);
        var length = (long)(await CommandAsync(stream, "XLEN", key) as long? ?? 0);
        long records = 0, bytes = 0;
        var lastId = "0-0";
        var start = Stopwatch.GetTimestamp();
        while (records < length)
        {
            var reply = await CommandAsync(stream, "XREAD", "COUNT", "1000", "STREAMS", key, lastId);
            if (reply is not object?[] { Length: > 0 } streams || streams[0] is not object?[] { Length: 2 } perKey || perKey[1] is not object?[] entries || entries.Length == 0)
            {
                break;
            }
            foreach (var entry in entries)
            {
                var pair = (object?[])entry!;
                var fields = (object?[])pair[1]!;
                records++;
                bytes += ((byte[])fields[1]!).Length;
            }
            lastId = Encoding.ASCII.GetString((byte[])((object?[])entries[^1]!)[0]!);
        }
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new ThroughputResult($"Redis XREAD {SizeLabel(size)} (COUNT 1000)", records, bytes, seconds);
    }

    public static string SizeLabel(int size) => size >= 1024 && size % 1024 == 0 ? $"{size / 1024} KiB" : $"{size} B";

    private static async Task<object?> CommandAsync(Stream stream, params string[] args)
    {
        var request = new StringBuilder().Append('*').Append(args.Length).Append("\r\n");
        foreach (var arg in args)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(arg)).Append("\r\n").Append(arg).Append("\r\n");
        }
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        await stream.FlushAsync();
        return await Task.Run(() => ReadReply(stream));
    }

    // Minimal RESP2 reader: arrays become object?[], bulk strings byte[], integers long.
    private static object? ReadReply(Stream stream)
    {
        var line = ReadLine(stream);
        var payload = line[1..];
        switch (line[0])
        {
            case '+':
                return payload;
            case '-':
                throw new InvalidOperationException("redis: " + payload);
            case ':':
                return long.Parse(payload, CultureInfo.InvariantCulture);
            case '$':
                var length = int.Parse(payload, CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }
                var data = new byte[length + 2];
                stream.ReadExactly(data);
                return data.AsSpan(0, length).ToArray();
            case '*':
                var count = int.Parse(payload, CultureInfo.InvariantCulture);
                if (count < 0)
                {
                    return null;
                }
                var items = new object?[count];
                for (var i = 0; i < count; i++)
                {
                    items[i] = ReadReply(stream);
                }
                return items;
            default:
                throw new InvalidOperationException($"redis: unexpected reply type '{line[0]}'");
        }
    }

    private static string ReadLine(Stream stream)
    {
        var builder = new StringBuilder();
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0)
            {
                throw new EndOfStreamException("redis closed the connection");
            }
            if (b == '\r')
            {
                stream.ReadByte();
                return builder.ToString();
            }
            builder.Append((char)b);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_server.HasExited)
        {
            await Shell.TerminateAsync(_server.Id);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _server.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _server.Kill();
            }
        }
        _server.Dispose();
    }
}
