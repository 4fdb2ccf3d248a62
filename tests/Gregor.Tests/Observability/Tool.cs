using System.Diagnostics;

namespace Gregor.Tests.Observability;

/// <summary>Runs an external program (promtool, kcat) with a time limit and captures its output.</summary>
internal static class Tool
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> arguments, string? stdin = null, TimeSpan? timeout = null)
    {
        var (exitCode, stdout, stderr) = await RunSeparatelyAsync(program, arguments, stdin, timeout);
        return (exitCode, stdout + stderr);
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunSeparatelyAsync(string program, IEnumerable<string> arguments, string? stdin = null, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }
        process.StandardInput.Close();
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not exit");
        }
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>promtool from Debian's prometheus package (installed by .ci/run).</summary>
    public static string Promtool => File.Exists("/usr/bin/promtool") ? "/usr/bin/promtool" : "promtool";
}
