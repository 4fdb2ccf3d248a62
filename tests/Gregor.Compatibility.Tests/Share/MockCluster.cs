using System.Runtime.InteropServices;
using static Gregor.Compatibility.Tests.Share.LibrdkafkaShareNative;

namespace Gregor.Compatibility.Tests.Share;

/// <summary>
/// librdkafka's own mock cluster (rdkafka_mock.h), which implements share groups: the reference the
/// share consumer harness is checked against before it is pointed at Gregor. Owns the producer
/// handle the mock cluster lives in.
/// </summary>
internal sealed class MockCluster : IDisposable
{
    private IntPtr _producer;
    private IntPtr _cluster;

    public MockCluster(int brokers = 1)
    {
        var conf = Configure(new Dictionary<string, string> { ["client.id"] = "mock-owner" });
        var errstr = new byte[512];
        _producer = rd_kafka_new(ProducerType, conf, errstr, (nuint)errstr.Length);
        if (_producer == IntPtr.Zero)
        {
            rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException($"rd_kafka_new: {ErrorText(errstr)}");
        }
        _cluster = rd_kafka_mock_cluster_new(_producer, brokers);
        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(_cluster)) ?? throw new InvalidOperationException("no mock bootstraps");
    }

    public string BootstrapServers { get; }

    public void CreateTopic(string topic, int partitions) => Assert.Equal(0, rd_kafka_mock_topic_create(_cluster, topic, partitions, 1));

    /// <summary>Share partitions start at the log start (as share.auto.offset.reset=earliest).</summary>
    public void StartShareGroupsAtEarliest() => rd_kafka_mock_sharegroup_set_auto_offset_reset(_cluster, 1);

    public void Dispose()
    {
        if (_cluster != IntPtr.Zero)
        {
            rd_kafka_mock_cluster_destroy(_cluster);
            _cluster = IntPtr.Zero;
        }
        if (_producer != IntPtr.Zero)
        {
            rd_kafka_destroy(_producer);
            _producer = IntPtr.Zero;
        }
    }
}
