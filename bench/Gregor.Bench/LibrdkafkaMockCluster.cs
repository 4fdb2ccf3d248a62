using System.Runtime.InteropServices;

namespace Gregor.Bench;

/// <summary>
/// librdkafka's in-process mock cluster (<c>rdkafka_mock.h</c>), created through the same native
/// library Confluent.Kafka loads: an in-memory Kafka broker that lives in the harness process.
/// The latency scenario runs against it beside Gregor, so the report shows the client's own
/// floor (librdkafka's queues, wake-ups and the .NET consumer loop) next to what the broker adds.
/// One instance per scenario; Dispose stops the cluster. Not thread-safe.
/// </summary>
internal sealed partial class LibrdkafkaMockCluster : IDisposable
{
    private const string Library = "librdkafka";
    private const int ProducerType = 0;
    private static int _resolverSet;

    private nint _client;
    private nint _cluster;

    private LibrdkafkaMockCluster(nint client, nint cluster, string bootstrapServers)
    {
        _client = client;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    /// <summary>Starts a one-broker mock cluster with <paramref name="topic"/> (1 partition).</summary>
    public static LibrdkafkaMockCluster Start(string topic)
    {
        UseConfluentsLibrary();
        var conf = rd_kafka_conf_new();
        var error = new byte[512];
        // The mock cluster needs a client handle to live in; this one never connects anywhere.
        var client = rd_kafka_new(ProducerType, conf, error, (nuint)error.Length);
        if (client == 0)
        {
            throw new InvalidOperationException("rd_kafka_new failed: " + System.Text.Encoding.ASCII.GetString(error).TrimEnd('\0'));
        }
        var cluster = rd_kafka_mock_cluster_new(client, 1);
        if (cluster == 0)
        {
            rd_kafka_destroy(client);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }
        var created = rd_kafka_mock_topic_create(cluster, topic, 1, 1);
        if (created != 0)
        {
            rd_kafka_mock_cluster_destroy(cluster);
            rd_kafka_destroy(client);
            throw new InvalidOperationException($"rd_kafka_mock_topic_create failed: error {created}");
        }
        var bootstraps = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster)) ?? "";
        return new LibrdkafkaMockCluster(client, cluster, bootstraps);
    }

    public void Dispose()
    {
        if (_cluster != 0)
        {
            rd_kafka_mock_cluster_destroy(_cluster);
            _cluster = 0;
        }
        if (_client != 0)
        {
            rd_kafka_destroy(_client);
            _client = 0;
        }
    }

    // Confluent.Kafka loads runtimes/linux-x64/native/librdkafka.so (the centos8 build copied over
    // it, see the project file); resolve "librdkafka" to that file so both share one library.
    private static void UseConfluentsLibrary()
    {
        if (Interlocked.Exchange(ref _resolverSet, 1) == 1)
        {
            return;
        }
        NativeLibrary.SetDllImportResolver(typeof(LibrdkafkaMockCluster).Assembly, static (name, assembly, path) =>
        {
            if (name != Library)
            {
                return 0;
            }
            var bundled = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "librdkafka.so");
            return NativeLibrary.TryLoad(bundled, out var handle) ? handle : NativeLibrary.Load(name, assembly, path);
        });
    }

    [LibraryImport(Library)]
    private static partial nint rd_kafka_conf_new();

    [LibraryImport(Library)]
    private static partial nint rd_kafka_new(int type, nint conf, [Out] byte[] errstr, nuint errstrSize);

    [LibraryImport(Library)]
    private static partial void rd_kafka_destroy(nint rk);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_mock_cluster_new(nint rk, int brokerCount);

    [LibraryImport(Library)]
    private static partial void rd_kafka_mock_cluster_destroy(nint cluster);

    [LibraryImport(Library)]
    private static partial nint rd_kafka_mock_cluster_bootstraps(nint cluster);

    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(nint cluster, string topic, int partitionCount, int replicationFactor);
}
