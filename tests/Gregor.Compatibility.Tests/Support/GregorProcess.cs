using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Gregor.Compatibility.Tests.Support;

/// <summary>
/// The real broker as a child process: <c>dotnet gregor.dll serve --listen 127.0.0.1:PORT
/// --data-dir DIR</c>, ready once it prints a line starting "gregor: listening on". The port
/// and data directory stay the same across <see cref="KillAsync"/> (SIGKILL),
/// <see cref="StopAsync"/> (SIGTERM) and <see cref="RestartAsync"/>, so clients and data
/// survive a restart. Disposing kills the process and deletes the data directory it created.
/// Not thread-safe: one test drives it.
/// </summary>
internal sealed partial class GregorProcess : IAsyncDisposable
{
    private const string ReadyPrefix = "gregor: listening on";
    private const int SigTerm = 15;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string[] _overrides;
    private readonly Queue<string> _output = new();
    private Process? _process;
    private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private GregorProcess(string dataDirectory, int port, string[] overrides)
    {
        DataDirectory = dataDirectory;
        Port = port;
        _overrides = overrides;
    }

    public int Port { get; }

    public string DataDirectory { get; }

    public string BootstrapServers => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The last lines the broker printed (stdout and stderr), for failure messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>
    /// Starts a broker on a free port with a fresh data directory. Overrides are Kafka
    /// server.properties keys; the group rebalance delay defaults to 0 so tests do not wait 3 s.
    /// </summary>
    public static async Task<GregorProcess> StartAsync(params string[] overrides)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "gregor-compat-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDirectory);
        var all = new List<string> { "group.initial.rebalance.delay.ms=0" };
        all.AddRange(overrides);
        var broker = new GregorProcess(dataDirectory, FreePort(), [.. all]);
        try
        {
            await broker.LaunchAsync();
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
        return broker;
    }

    /// <summary>SIGKILL: no shutdown code runs, like a power cut for the process (not for the page cache).</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>SIGTERM, then waits for a clean exit (SIGKILL after 15 s).</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }
        _ = SysKill(process.Id, SigTerm);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>Kills (or stops) the broker and starts it again on the same port and data directory.</summary>
    public async Task RestartAsync(bool kill = true)
    {
        if (kill)
        {
            await KillAsync();
        }
        else
        {
            await StopAsync();
        }
        await LaunchAsync();
    }

    private async Task LaunchAsync()
    {
        // The old listening socket can linger for a moment after a kill: retry a few times.
        for (var attempt = 1; ; attempt++)
        {
            _process?.Dispose();
            _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = DataDirectory,
            };
            foreach (var argument in new[] { RepoPaths.GregorDll, "serve", "--listen", BootstrapServers, "--data-dir", DataDirectory })
            {
                start.ArgumentList.Add(argument);
            }
            foreach (var setting in _overrides)
            {
                start.ArgumentList.Add("--override");
                start.ArgumentList.Add(setting);
            }
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException("gregor exited before it was listening"));
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
            try
            {
                await _ready.Task.WaitAsync(StartTimeout);
                return;
            }
            catch (Exception e) when (attempt < 5 && e is InvalidOperationException && RecentOutput.Contains("in use", StringComparison.OrdinalIgnoreCase))
            {
                await Task.Delay(200);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                await KillAsync();
                throw new InvalidOperationException($"gregor did not start ({e.Message}); output:\n{RecentOutput}", e);
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.Enqueue(line);
            while (_output.Count > 200)
            {
                _output.Dequeue();
            }
        }
        if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
