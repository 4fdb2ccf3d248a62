using System.Globalization;

namespace Gregor.Bench;

/// <summary>
/// The produce load generator in C (bench/loadgen/producer.c against Debian's librdkafka-dev),
/// compiled by the harness at start. From .NET, one Confluent.Kafka Produce call per record
/// made the client the bottleneck for 100 B records; the C loop is not. One instance per run;
/// <see cref="RunAsync"/> starts one producer process per scenario. Stateless otherwise.
/// </summary>
internal sealed class NativeProducer
{
    private readonly string _executable;

    private NativeProducer(string executable, string version)
    {
        _executable = executable;
        LibrdkafkaVersion = version;
    }

    /// <summary>librdkafka's version as the compiled producer links it (from pkg-config when available).</summary>
    public string LibrdkafkaVersion { get; }

    /// <summary>Compiles the producer into <paramref name="directory"/>; null (with the reason) when cc or librdkafka-dev is missing.</summary>
    public static async Task<(NativeProducer? Producer, string Reason)> BuildAsync(string repositoryRoot, string directory)
    {
        var source = Path.Combine(repositoryRoot, "bench", "loadgen", "producer.c");
        if (!Shell.Exists("cc") || !File.Exists("/usr/include/librdkafka/rdkafka.h"))
        {
            return (null, "cc or librdkafka-dev (/usr/include/librdkafka/rdkafka.h) not installed");
        }
        var executable = Path.Combine(directory, "producer");
        var build = await Shell.RunAsync("cc", ["-O2", "-o", executable, source, "-lrdkafka"], TimeSpan.FromMinutes(2));
        if (build.ExitCode != 0)
        {
            return (null, "cc failed: " + build.StdErr.Trim());
        }
        var version = Shell.Exists("pkg-config")
            ? (await Shell.RunAsync("pkg-config", ["--modversion", "rdkafka"], TimeSpan.FromSeconds(10))).StdOut.Trim()
            : "?";
        return (new NativeProducer(executable, version.Length > 0 ? version : "?"), "");
    }

    /// <summary>Runs one producer; returns what it printed: records sent, failed, undelivered, seconds, its CPU seconds.</summary>
    public async Task<(long Sent, long Failed, long Undelivered, double Seconds, double CpuSeconds)> RunAsync(
        string bootstrap, string topic, int size, string acks, int lingerMs, int batchBytes, TimeSpan duration, long maxRecords)
    {
        string[] args =
        [
            bootstrap, topic, size.ToString(CultureInfo.InvariantCulture), acks, lingerMs.ToString(CultureInfo.InvariantCulture),
            batchBytes.ToString(CultureInfo.InvariantCulture), duration.TotalSeconds.ToString("F3", CultureInfo.InvariantCulture),
            maxRecords.ToString(CultureInfo.InvariantCulture),
        ];
        var run = await Shell.RunAsync(_executable, args, duration + TimeSpan.FromMinutes(3));
        var words = run.StdOut.Trim().Split(' ');
        if (run.ExitCode != 0 || words.Length != 10)
        {
            throw new InvalidOperationException($"native producer failed (exit {run.ExitCode}): {run.StdErr.Trim()} {run.StdOut.Trim()}");
        }
        double Number(int index) => double.Parse(words[index], CultureInfo.InvariantCulture);
        return ((long)Number(1), (long)Number(3), (long)Number(5), Number(7), Number(9));
    }
}
