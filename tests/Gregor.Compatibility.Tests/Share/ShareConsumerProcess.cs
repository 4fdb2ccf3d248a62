using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Gregor.Compatibility.Tests.Share;

/// <summary>
/// A share consumer in its own process (tests/Gregor.ShareConsumerChild) that acquires records and
/// holds their locks, so a test can SIGKILL or SIGSTOP it; on "accept" it acknowledges them and
/// reports the commit's result.
/// </summary>
internal sealed partial class ShareConsumerProcess : IAsyncDisposable
{
    private const int SigStop = 19;
    private const int SigCont = 18;

    private readonly Process _process;

    private ShareConsumerProcess(Process process) => _process = process;

    /// <summary>Records it acquired and holds: offset → delivery count.</summary>
    public Dictionary<long, short> Held { get; } = [];

    public static async Task<ShareConsumerProcess> StartHoldingAsync(string bootstrapServers, string group, string topic, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "Gregor.ShareConsumerChild.dll"), bootstrapServers, group, topic })
        {
            start.ArgumentList.Add(argument);
        }
        var child = new ShareConsumerProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start the share consumer child"));
        using var cancellation = new CancellationTokenSource(timeout);
        while (await child._process.StandardOutput.ReadLineAsync(cancellation.Token) is { } line && line != "holding")
        {
            var parts = line.Split(' ');
            if (parts is ["acquired", var offset, var count])
            {
                child.Held[long.Parse(offset, CultureInfo.InvariantCulture)] = short.Parse(count, CultureInfo.InvariantCulture);
            }
        }
        return child;
    }

    public void Kill() => _process.Kill(entireProcessTree: true);

    public void Stop() => Assert.Equal(0, SendSignal(_process.Id, SigStop));

    public void Continue() => Assert.Equal(0, SendSignal(_process.Id, SigCont));

    /// <summary>Tells it to ACCEPT what it holds and commit; returns its "commit …" line.</summary>
    public async Task<string> AcceptAndCommitAsync(TimeSpan timeout)
    {
        await _process.StandardInput.WriteLineAsync("accept");
        await _process.StandardInput.FlushAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        while (await _process.StandardOutput.ReadLineAsync(cancellation.Token) is { } line)
        {
            if (line.StartsWith("commit ", StringComparison.Ordinal))
            {
                return line;
            }
        }
        throw new InvalidOperationException("the share consumer child ended without a commit line");
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            SendSignal(_process.Id, SigCont);
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
