using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Gregor.Bench;

/// <summary>
/// The peer: Debian redis-server with AOF (appendfsync everysec, no RDB) in a temp directory on
/// a free port. Appends with <c>redis-benchmark -P 64 XADD key * f PAYLOAD</c>, reads the whole
/// stream back with XREAD COUNT 1000, and again as a consumer group with XREADGROUP COUNT 1000 +
/// XACK, over a small bounded RESP client (<see cref="RespClient"/>). Lifecycle: StartAsync →
/// XaddAsync/XreadAsync/XreadGroupAsync → DisposeAsync (SIGTERM). One owner, not thread-safe.
/// </summary>
internal sealed class RedisPeer : IAsyncDisposable
{
    private const int BatchSize = 1000;
    private const string BatchSizeText = "1000";
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

    /// <summary>Reads the whole stream from the start, 1000 entries per XREAD (one request in flight).</summary>
    public async Task<ThroughputResult> XreadAsync(string key, int size)
    {
        using var client = await RespClient.ConnectAsync(_port);
        var length = await client.CommandAsync("XLEN", key) as long? ?? 0;
        long records = 0, bytes = 0;
        var lastId = "0-0";
        var ids = new List<string>(BatchSize);
        var cost = CostMeter.Start(_server.Id);
        while (records < length)
        {
            ids.Clear();
            if (!ReadEntries(await client.CommandAsync("XREAD", "COUNT", BatchSizeText, "STREAMS", key, lastId), ids, ref bytes))
            {
                break;
            }
            records += ids.Count;
            lastId = ids[^1];
        }
        var (seconds, serverCpu, clientCpu) = cost.Stop();
        return new ThroughputResult($"Redis XREAD {SizeLabel(size)} (COUNT {BatchSize})", records, bytes, seconds)
        {
            ClientCpuSeconds = clientCpu,
            Note = CostNote(seconds, serverCpu, clientCpu),
        };
    }

    /// <summary>
    /// Reads the whole stream as one consumer of a new consumer group (the Redis counterpart of a
    /// Kafka consumer group that commits): <c>XGROUP CREATE key g 0</c>, then
    /// <c>XREADGROUP GROUP g c1 COUNT 1000 STREAMS key &gt;</c> until the stream is read. Each
    /// batch's IDs are acknowledged with one <c>XACK key g id…</c> written in the same flush as the
    /// next XREADGROUP (two requests pipelined, then both replies read: XACK's first); the last
    /// batch's XACK goes alone and is inside the timed window. The XPENDING count afterwards
    /// (outside the timing) must be 0, else the row says how many entries stayed unacknowledged.
    /// </summary>
    public async Task<ThroughputResult> XreadGroupAsync(string key, int size)
    {
        const string Group = "g", Consumer = "c1";
        using var client = await RespClient.ConnectAsync(_port);
        var length = await client.CommandAsync("XLEN", key) as long? ?? 0;
        await client.CommandAsync("XGROUP", "CREATE", key, Group, "0");
        long records = 0, bytes = 0, acked = 0;
        var ids = new List<string>(BatchSize);
        var toAck = new List<string>(BatchSize + 3);
        var exhausted = false;
        var cost = CostMeter.Start(_server.Id);
        while (true)
        {
            var readMore = records < length && !exhausted;
            if (toAck.Count == 0 && !readMore)
            {
                break;
            }
            if (toAck.Count > 0)
            {
                client.Write(toAck);
            }
            if (readMore)
            {
                client.Write("XREADGROUP", "GROUP", Group, Consumer, "COUNT", BatchSizeText, "STREAMS", key, ">");
            }
            await client.FlushAsync();
            if (toAck.Count > 0)
            {
                acked += await client.ReadReplyAsync() as long? ?? throw new InvalidOperationException("redis: XACK did not return a count");
                toAck.Clear();
            }
            if (!readMore)
            {
                continue;
            }
            ids.Clear();
            if (!ReadEntries(await client.ReadReplyAsync(), ids, ref bytes))
            {
                exhausted = true;
                continue;
            }
            records += ids.Count;
            toAck.AddRange(["XACK", key, Group]);
            toAck.AddRange(ids);
        }
        var (seconds, serverCpu, clientCpu) = cost.Stop();
        var pending = await client.CommandAsync("XPENDING", key, Group) is object?[] { Length: > 0 } summary && summary[0] is long count ? count : -1;
        var note = CostNote(seconds, serverCpu, clientCpu)
            + (pending == 0 && acked == records ? "; all acknowledged (XPENDING 0)" : $"; after the run: {acked} of {records} acknowledged, XPENDING {pending}");
        return new ThroughputResult($"Redis XREADGROUP+XACK {SizeLabel(size)} (COUNT {BatchSize})", records, bytes, seconds)
        {
            ClientCpuSeconds = clientCpu,
            Note = note,
        };
    }

    // Which side limits a read loop: redis-server's CPU share of one core, and the harness's (the RESP client's) CPU.
    private static string CostNote(double seconds, double serverCpu, double clientCpu) =>
        string.Create(CultureInfo.InvariantCulture, $"redis-server CPU {serverCpu:F2} s ({(seconds > 0 ? 100 * serverCpu / seconds : 0):F0}% of a core), harness (RESP client) CPU {clientCpu:F2} s");

    /// <summary>Wall time, redis-server CPU and this process's CPU over one read loop.</summary>
    private readonly record struct CostMeter(int ServerPid, long StartTimestamp, double ServerCpuAtStart, TimeSpan ClientCpuAtStart)
    {
        public static CostMeter Start(int serverPid) =>
            new(serverPid, Stopwatch.GetTimestamp(), BrokerProcess.CpuSecondsOf(serverPid), Process.GetCurrentProcess().TotalProcessorTime);

        public (double Seconds, double ServerCpu, double ClientCpu) Stop() =>
            (Stopwatch.GetElapsedTime(StartTimestamp).TotalSeconds, BrokerProcess.CpuSecondsOf(ServerPid) - ServerCpuAtStart,
             (Process.GetCurrentProcess().TotalProcessorTime - ClientCpuAtStart).TotalSeconds);
    }

    public static string SizeLabel(int size) => size >= 1024 && size % 1024 == 0 ? $"{size / 1024} KiB" : $"{size} B";

    // An XREAD/XREADGROUP reply for one key: [[key, [[id, [field, value, ...]], ...]]] or nil.
    // Adds the entry IDs to ids and the value bytes (the one field's value) to bytes; false when empty.
    private static bool ReadEntries(object? reply, List<string> ids, ref long bytes)
    {
        if (reply is not object?[] { Length: > 0 } streams || streams[0] is not object?[] { Length: 2 } perKey || perKey[1] is not object?[] { Length: > 0 } entries)
        {
            return false;
        }
        foreach (var entry in entries)
        {
            if (entry is not object?[] { Length: 2 } pair || pair[0] is not byte[] id || pair[1] is not object?[] { Length: >= 2 } fields || fields[1] is not byte[] value)
            {
                throw new InvalidDataException("redis: stream entry is not [id, [field, value]]");
            }
            ids.Add(Encoding.ASCII.GetString(id));
            bytes += value.Length;
        }
        return true;
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
