using System.Globalization;

namespace Gregor.Bench;

/// <summary>
/// A memory cgroup the harness puts the broker and the dd baselines in, so that they write
/// through a page cache of bounded size that recycles its pages, as on a production broker whose
/// page cache is full. Without it, on a VM whose host backs guest memory lazily, every GB of new
/// data pays first-touch faults that have nothing to do with the broker (bench/README.md,
/// "First-touch memory"). cgroup v1 (memory controller) or v2 (memory enabled in the root's
/// subtree_control); needs root. Lifecycle: <see cref="TryCreate"/> → <see cref="Add"/> /
/// <see cref="WrapCommand"/> → <see cref="Dispose"/> (removes the group once empty). Not thread-safe.
/// </summary>
internal sealed class MemoryCgroup : IDisposable
{
    private readonly string _directory;

    private MemoryCgroup(string directory, long limitBytes)
    {
        _directory = directory;
        LimitBytes = limitBytes;
    }

    public long LimitBytes { get; }

    public string Description => $"memory cgroup {_directory} limited to {LimitBytes / 1048576} MiB";

    /// <summary>A new group limited to <paramref name="limitMiB"/>, or null (with the reason) when this machine does not allow one.</summary>
    public static MemoryCgroup? TryCreate(int limitMiB, out string reason)
    {
        var limit = limitMiB * 1048576L;
        var name = $"gregor-bench-{Environment.ProcessId}";
        try
        {
            var lines = File.ReadAllLines("/proc/self/cgroup");
            var v1 = lines.Select(l => l.Split(':', 3)).FirstOrDefault(p => p.Length == 3 && p[1].Split(',').Contains("memory"));
            if (v1 is not null && Directory.Exists("/sys/fs/cgroup/memory"))
            {
                var dir = Path.Combine("/sys/fs/cgroup/memory" + v1[2].TrimEnd('/'), name);
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "memory.limit_in_bytes"), limit.ToString(CultureInfo.InvariantCulture));
                reason = "";
                return new MemoryCgroup(dir, limit);
            }
            var v2 = lines.Select(l => l.Split(':', 3)).FirstOrDefault(p => p.Length == 3 && p[0] == "0");
            if (v2 is not null && File.Exists("/sys/fs/cgroup/cgroup.subtree_control")
                && File.ReadAllText("/sys/fs/cgroup/cgroup.subtree_control").Split(' ', '\n').Contains("memory"))
            {
                var dir = Path.Combine("/sys/fs/cgroup" + v2[2].TrimEnd('/'), name);
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "memory.max"), limit.ToString(CultureInfo.InvariantCulture));
                reason = "";
                return new MemoryCgroup(dir, limit);
            }
            reason = "no memory cgroup controller here";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            reason = $"cannot create a memory cgroup ({e.Message})";
            return null;
        }
    }

    /// <summary>Moves process <paramref name="pid"/> (all its threads) into the group.</summary>
    public void Add(int pid) => File.WriteAllText(Path.Combine(_directory, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>Moves process <paramref name="pid"/> back to the group this one was made in (so it can be removed).</summary>
    public void MoveToParent(int pid) =>
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(_directory)!, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>A <c>sh -c</c> command line that joins the group and then execs <paramref name="file"/>.</summary>
    public (string File, string[] Args) WrapCommand(string file, IEnumerable<string> args)
    {
        var quoted = string.Join(' ', new[] { file }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        return ("sh", ["-c", $"echo $$ > '{Path.Combine(_directory, "cgroup.procs")}' && exec {quoted}"]);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory);
        }
        catch (IOException)
        {
            // Still has members (a process that outlived the run): the kernel keeps it until they exit.
        }
    }
}
