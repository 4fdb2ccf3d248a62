using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;

namespace Gregor.Bench;

/// <summary>
/// One <c>gregor serve --config FILE</c> process of a <see cref="ClusterNodes"/> cluster, on fixed
/// ports (the voters' list names them) and its own data dir. Lifecycle: <see cref="StartAsync"/>
/// (returns after the ready line) → <see cref="Kill"/> (SIGKILL) / <see cref="Pause"/> (SIGSTOP,
/// SIGCONT) → <see cref="StartAsync"/> again → <see cref="DisposeAsync"/> (SIGCONT then SIGKILL:
/// the bench keeps no node running). Not thread-safe; the scenario owns it.
/// </summary>
internal sealed partial class ClusterNode : IAsyncDisposable
{
    private const int SigStop = 19;
    private const int SigCont = 18;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly string _gregorDll;
    private readonly ConcurrentQueue<string> _lastLines = new();
    private Process? _process;

    public ClusterNode(string gregorDll, int nodeId, int brokerPort, int controllerPort, string configFile, string dataDir)
    {
        _gregorDll = gregorDll;
        NodeId = nodeId;
        BrokerPort = brokerPort;
        ControllerPort = controllerPort;
        ConfigFile = configFile;
        DataDir = dataDir;
    }

    public int NodeId { get; }
    public int BrokerPort { get; }
    public int ControllerPort { get; }
    public string ConfigFile { get; }
    public string DataDir { get; }
    public EndPoint BrokerEndPoint => new IPEndPoint(IPAddress.Loopback, BrokerPort);
    public bool IsRunning => _process is { HasExited: false };
    public int Pid => _process?.Id ?? -1;

    /// <summary>The process's last lines of output (for a failure message).</summary>
    public string Output => string.Join(" | ", _lastLines);

    public async Task StartAsync()
    {
        // After a SIGKILL the old listener's port can linger for a moment: retry a few times.
        for (var attempt = 1; ; attempt++)
        {
            _process?.Dispose();
            _lastLines.Clear();
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[]
            {
                _gregorDll, "serve", "--config", ConfigFile, "--data-dir", DataDir,
                "--listen", $"PLAINTEXT://127.0.0.1:{BrokerPort},CONTROLLER://127.0.0.1:{ControllerPort}",
                "--override", "gregor.http.listen=127.0.0.1:0",
            })
            {
                info.ArgumentList.Add(arg);
            }
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = new Process { StartInfo = info, EnableRaisingEvents = true };
            void OnLine(string? line)
            {
                if (line is null)
                {
                    return;
                }
                _lastLines.Enqueue(line);
                while (_lastLines.Count > 20)
                {
                    _lastLines.TryDequeue(out _);
                }
                if (line.StartsWith("gregor: listening on ", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }
            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"gregor node {NodeId} exited before it was listening"));
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            _process = process;
            try
            {
                await ready.Task.WaitAsync(StartTimeout);
                return;
            }
            catch (InvalidOperationException) when (attempt < 10 && Output.Contains("already in use", StringComparison.Ordinal))
            {
                await Task.Delay(200);
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
                Kill();
                throw new InvalidOperationException($"gregor node {NodeId} did not start ({e.Message}): {Output}", e);
            }
        }
    }

    /// <summary>SIGKILL: no shutdown code runs; returns once the process is gone.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            SysKill(process.Id, SigCont); // a stopped process would not die before it is continued
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    /// <summary>SIGSTOP (<paramref name="pause"/>) or SIGCONT: the process freezes or resumes, as a long GC pause or a stalled VM would.</summary>
    public void Pause(bool pause)
    {
        if (_process is { HasExited: false } process)
        {
            _ = SysKill(process.Id, pause ? SigStop : SigCont);
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int signal);
}
