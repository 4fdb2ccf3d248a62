using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Gregor.Testing;

/// <summary>
/// The real <c>gregor</c> broker as a child process, for host, CLI and compatibility tests:
/// <c>dotnet gregor.dll serve --listen 127.0.0.1:0 --data-dir DIR [args]</c>, ready once it
/// prints "gregor: listening on HOST:PORT (...)". The first start lets the OS pick the port
/// (parsed from the ready line, so there is no free-port race); <see cref="RestartAsync"/>
/// reuses that port and the data directory. <see cref="StopAsync"/> sends SIGTERM,
/// <see cref="KillAsync"/> SIGKILL. Disposing kills the process and deletes a data directory
/// it created. A test project that uses it references <c>src/Gregor</c> too, so that gregor.dll
/// is copied beside the tests.
/// Not thread-safe: one test drives it.
/// </summary>
public sealed partial class GregorProcess : IAsyncDisposable
{
    public const string ReadyPrefix = "gregor: listening on ";
    private const int SigTerm = 15;
    private const int OutputLinesKept = 500;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<string> _extraArguments;
    private readonly IReadOnlyList<string> _commandPrefix;
    private readonly TempDirectory? _ownedDataDir;
    private readonly Queue<string> _output = new();
    private Process? _process;
    private TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _listen;

    private GregorProcess(string dataDir, TempDirectory? ownedDataDir, string listen, IReadOnlyList<string> extraArguments, IReadOnlyList<string> commandPrefix)
    {
        DataDir = dataDir;
        _ownedDataDir = ownedDataDir;
        _listen = listen;
        _extraArguments = extraArguments;
        _commandPrefix = commandPrefix;
    }

    /// <summary>The gregor.dll to run: $GREGOR_DLL, else the one copied next to the test assembly.</summary>
    public static string GregorDll =>
        Environment.GetEnvironmentVariable("GREGOR_DLL") is { Length: > 0 } path ? path : Path.Combine(AppContext.BaseDirectory, "gregor.dll");

    public int Port { get; private set; }

    public string DataDir { get; }

    public string BootstrapServers => $"127.0.0.1:{Port}";

    /// <summary>The ready line as printed.</summary>
    public string ReadyLine { get; private set; } = "";

    public bool IsRunning => _process is { HasExited: false };

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>The last lines printed on stdout and stderr (for assertions and failure messages).</summary>
    public string Output
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
    /// Starts a broker on 127.0.0.1 with an OS-chosen port. <paramref name="overrides"/> are
    /// config keys (<c>key=value</c>, passed as <c>--override</c>); <paramref name="dataDir"/>
    /// reuses a directory (else a fresh temporary one, deleted on dispose);
    /// <paramref name="extraArguments"/> are appended as they are. <paramref name="commandPrefix"/>
    /// runs <c>dotnet</c> through another command that execs it, e.g. <c>ip netns exec NAME</c>
    /// (the process id stays dotnet's, so signals reach gregor).
    /// </summary>
    public static async Task<GregorProcess> StartAsync(
        IEnumerable<string>? overrides = null,
        string? dataDir = null,
        IEnumerable<string>? extraArguments = null,
        IEnumerable<string>? commandPrefix = null)
    {
        var owned = dataDir is null ? new TempDirectory("proc") : null;
        dataDir ??= owned!.Path;
        // The host's HTTP listener defaults to a fixed port; parallel brokers each take a free one.
        var arguments = new List<string> { "--override", "gregor.http.listen=127.0.0.1:0" };
        foreach (var setting in overrides ?? [])
        {
            arguments.Add("--override");
            arguments.Add(setting);
        }
        arguments.AddRange(extraArguments ?? []);
        var broker = new GregorProcess(dataDir, owned, "127.0.0.1:0", arguments, [.. commandPrefix ?? []]);
        try
        {
            await broker.LaunchAsync().ConfigureAwait(false);
        }
        catch
        {
            await broker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return broker;
    }

    /// <summary>
    /// Runs <c>gregor</c> with exactly <paramref name="arguments"/> and waits for it to exit
    /// (for failure paths: port taken, bad data dir, bad config). Returns the exit code and output.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IEnumerable<string> arguments, TimeSpan? timeout = null, IEnumerable<string>? commandPrefix = null)
    {
        var start = StartInfo([.. commandPrefix ?? []], arguments, Directory.GetCurrentDirectory());
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start dotnet");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"gregor {string.Join(' ', arguments)} did not exit; output:\n{await stdout.ConfigureAwait(false)}{await stderr.ConfigureAwait(false)}");
        }
        return (process.ExitCode, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
    }

    /// <summary>SIGTERM, then waits for the exit (SIGKILL after <paramref name="timeout"/>, 15 s by default); returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? timeout = null)
    {
        if (_process is not { } process)
        {
            throw new InvalidOperationException("not started");
        }
        if (!process.HasExited)
        {
            _ = SysKill(process.Id, SigTerm);
            using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
                throw new TimeoutException($"gregor did not stop on SIGTERM; output:\n{Output}");
            }
        }
        await process.WaitForExitAsync().ConfigureAwait(false); // drains the output
        return process.ExitCode;
    }

    /// <summary>SIGSTOP (<paramref name="pause"/>) or SIGCONT: the process freezes or resumes, as a long GC pause or a stalled VM would.</summary>
    public void Pause(bool pause)
    {
        if (_process is { HasExited: false } process)
        {
            _ = SysKill(process.Id, pause ? 19 : 18);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Kills (or stops with SIGTERM) and starts again on the same port and data dir.</summary>
    public async Task RestartAsync(bool kill = true)
    {
        if (kill)
        {
            await KillAsync().ConfigureAwait(false);
        }
        else
        {
            await StopAsync().ConfigureAwait(false);
        }
        _listen = BootstrapServers;
        await LaunchAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _process?.Dispose();
        _ownedDataDir?.Dispose();
    }

    private async Task LaunchAsync()
    {
        // After a kill the old socket may linger briefly: retry "in use" a few times.
        for (var attempt = 1; ; attempt++)
        {
            _process?.Dispose();
            lock (_output)
            {
                _output.Clear();
            }
            _ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var arguments = new List<string> { "serve", "--listen", _listen, "--data-dir", DataDir };
            arguments.AddRange(_extraArguments);
            var process = new Process { StartInfo = StartInfo(_commandPrefix, arguments, Path.GetTempPath()), EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException("gregor exited before it was listening"));
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
            try
            {
                ReadyLine = await _ready.Task.WaitAsync(StartTimeout).ConfigureAwait(false);
                var match = ReadyPattern().Match(ReadyLine);
                Port = match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
                    : throw new InvalidOperationException($"cannot read the port from \"{ReadyLine}\"");
                return;
            }
            catch (InvalidOperationException) when (attempt < 10 && Output.Contains("already in use", StringComparison.Ordinal))
            {
                await WaitUntilListenPortIsFreeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                await KillAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"gregor did not start ({e.Message}); output:\n{Output}", e);
            }
        }
    }

    // After a SIGKILL the old listener's socket can hold the port for a moment: poll until a
    // probe socket (with SO_REUSEADDR, as Kestrel binds) can bind it, bounded by StartTimeout.
    private async Task WaitUntilListenPortIsFreeAsync()
    {
        if (_commandPrefix.Count > 0)
        {
            // The port is in another network namespace, where this process cannot probe: retry the start a little later.
            await Task.Delay(50).ConfigureAwait(false);
            return;
        }
        var endpoint = System.Net.IPEndPoint.Parse(_listen);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                using var probe = new System.Net.Sockets.Socket(endpoint.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                probe.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.ReuseAddress, true);
                probe.Bind(endpoint);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(10).ConfigureAwait(false);
            }
        }
    }

    private static ProcessStartInfo StartInfo(IReadOnlyList<string> commandPrefix, IEnumerable<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(commandPrefix.Count > 0 ? commandPrefix[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        if (commandPrefix.Count > 0)
        {
            foreach (var part in commandPrefix.Skip(1))
            {
                start.ArgumentList.Add(part);
            }
            start.ArgumentList.Add("dotnet");
        }
        start.ArgumentList.Add(GregorDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        return start;
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
            while (_output.Count > OutputLinesKept)
            {
                _output.Dequeue();
            }
        }
        if (line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
        {
            _ready.TrySetResult(line);
        }
    }

    [GeneratedRegex(@"^gregor: listening on [^ ,]*:(\d+)")]
    private static partial Regex ReadyPattern();

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
