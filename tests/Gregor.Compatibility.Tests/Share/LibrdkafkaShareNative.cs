using System.Runtime.InteropServices;

namespace Gregor.Compatibility.Tests.Share;

/// <summary>
/// P/Invoke declarations of librdkafka 2.16's share consumer C API (rdkafka.h, KIP-932) and the
/// parts of its mock cluster (rdkafka_mock.h) the share tests use. Confluent.Kafka 2.16 has no
/// binding for them. "librdkafka" is the package's native library in the output folder, which the
/// csproj replaces with the package's centos8 build (the one that loads on Debian); it carries the
/// share consumer symbols.
/// </summary>
internal static class LibrdkafkaShareNative
{
    private const string Lib = "librdkafka";

    public const int ConfOk = 0;
    public const int ProducerType = 0;

    /// <summary>rd_kafka_message_t (rdkafka.h): the fields every message has, in declaration order.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Message
    {
        public int Err;
        public IntPtr Rkt;
        public int Partition;
        public IntPtr Payload;
        public nuint Len;
        public IntPtr Key;
        public nuint KeyLen;
        public long Offset;
        public IntPtr Private;
    }

    /// <summary>rd_kafka_topic_partition_list_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TopicPartitionList
    {
        public int Count;
        public int Size;
        public IntPtr Elements;
    }

    /// <summary>rd_kafka_topic_partition_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct TopicPartition
    {
        public IntPtr Topic;
        public int Partition;
        public long Offset;
        public IntPtr Metadata;
        public nuint MetadataSize;
        public IntPtr Opaque;
        public int Err;
        public IntPtr Private;
    }

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_conf_new();

    [DllImport(Lib)]
    public static extern void rd_kafka_conf_destroy(IntPtr conf);

    [DllImport(Lib)]
    public static extern int rd_kafka_conf_set(IntPtr conf, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, byte[] errstr, nuint errstrSize);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_share_consumer_new(IntPtr conf, byte[] errstr, nuint errstrSize);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_topic_partition_list_new(int size);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_topic_partition_list_add(IntPtr list, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partition);

    [DllImport(Lib)]
    public static extern void rd_kafka_topic_partition_list_destroy(IntPtr list);

    [DllImport(Lib)]
    public static extern int rd_kafka_share_subscribe(IntPtr rkshare, IntPtr topics);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_share_poll(IntPtr rkshare, int timeoutMs, out IntPtr messages);

    [DllImport(Lib)]
    public static extern nuint rd_kafka_messages_count(IntPtr messages);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_messages_get(IntPtr messages, nuint index);

    [DllImport(Lib)]
    public static extern void rd_kafka_messages_destroy(IntPtr messages);

    [DllImport(Lib)]
    public static extern short rd_kafka_message_delivery_count(IntPtr message);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_topic_name(IntPtr rkt);

    [DllImport(Lib)]
    public static extern int rd_kafka_share_acknowledge_type(IntPtr rkshare, IntPtr message, int type);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_share_commit_sync(IntPtr rkshare, int timeoutMs, out IntPtr partitions);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_share_consumer_close(IntPtr rkshare);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_share_destroy(IntPtr rkshare);

    [DllImport(Lib)]
    public static extern int rd_kafka_error_code(IntPtr error);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_error_string(IntPtr error);

    [DllImport(Lib)]
    public static extern void rd_kafka_error_destroy(IntPtr error);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, nuint errstrSize);

    [DllImport(Lib)]
    public static extern void rd_kafka_destroy(IntPtr rk);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [DllImport(Lib)]
    public static extern void rd_kafka_mock_cluster_destroy(IntPtr mcluster);

    [DllImport(Lib)]
    public static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr mcluster);

    [DllImport(Lib)]
    public static extern int rd_kafka_mock_topic_create(IntPtr mcluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partitions, int replicationFactor);

    [DllImport(Lib)]
    public static extern void rd_kafka_mock_sharegroup_set_auto_offset_reset(IntPtr mcluster, int autoOffsetReset);

    /// <summary>Takes ownership of <paramref name="error"/> (an rd_kafka_error_t*, may be zero): its code and text, destroyed.</summary>
    public static (int Code, string Text) TakeError(IntPtr error)
    {
        if (error == IntPtr.Zero)
        {
            return (0, "");
        }
        var result = (rd_kafka_error_code(error), Marshal.PtrToStringUTF8(rd_kafka_error_string(error)) ?? "");
        rd_kafka_error_destroy(error);
        return result;
    }

    public static IntPtr Configure(IReadOnlyDictionary<string, string> settings)
    {
        var conf = rd_kafka_conf_new();
        var errstr = new byte[512];
        foreach (var (name, value) in settings)
        {
            if (rd_kafka_conf_set(conf, name, value, errstr, (nuint)errstr.Length) != ConfOk)
            {
                rd_kafka_conf_destroy(conf);
                throw new InvalidOperationException($"{name}={value}: {ErrorText(errstr)}");
            }
        }
        return conf;
    }

    public static string ErrorText(byte[] errstr) => System.Text.Encoding.UTF8.GetString(errstr, 0, Math.Max(0, Array.IndexOf(errstr, (byte)0)));
}
