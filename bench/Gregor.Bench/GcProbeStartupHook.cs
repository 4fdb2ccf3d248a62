using System.Globalization;

// The runtime looks up a type named exactly StartupHook in the global namespace (no choice).
#pragma warning disable CA1050

/// <summary>
/// Loaded INTO THE BROKER process through <c>DOTNET_STARTUP_HOOKS</c> (the broker itself is not
/// changed): a background thread writes the broker's GC totals to the file named by
/// <c>GREGOR_BENCH_GC_FILE</c> every 100 ms, so the harness can diff GC pause time and
/// collection counts per scenario. File format, one line, atomically replaced:
/// <c>pauseMs gen0 gen1 gen2 heapBytes</c>, e.g. <c>12.345 40 3 1 52428800</c>.
/// </summary>
internal static class StartupHook
{
    public static void Initialize()
    {
        var path = Environment.GetEnvironmentVariable("GREGOR_BENCH_GC_FILE");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }
        var thread = new Thread(() => WriteLoop(path)) { IsBackground = true, Name = "gregor-bench-gc-probe" };
        thread.Start();
    }

    private static void WriteLoop(string path)
    {
        var temp = path + ".tmp";
        while (true)
        {
            try
            {
                var line = string.Create(CultureInfo.InvariantCulture,
                    $"{GC.GetTotalPauseDuration().TotalMilliseconds:F3} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} {GC.GetTotalMemory(false)}");
                File.WriteAllText(temp, line);
                File.Move(temp, path, overwrite: true);
            }
            catch (IOException)
            {
                // The harness may be deleting the directory at shutdown; nothing to report.
            }
            catch (UnauthorizedAccessException)
            {
            }
            Thread.Sleep(100);
        }
    }
}
