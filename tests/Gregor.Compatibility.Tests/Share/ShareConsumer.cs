using System.Runtime.InteropServices;
using static Gregor.Compatibility.Tests.Share.LibrdkafkaShareNative;

namespace Gregor.Compatibility.Tests.Share;

/// <summary>
/// A librdkafka share consumer (rd_kafka_share_t) through P/Invoke: subscribe, poll a batch,
/// acknowledge each message (explicit mode) or let the next poll accept them (implicit mode),
/// commit synchronously, close. Not thread-safe (as the C handle): one thread per consumer.
/// </summary>
internal sealed class ShareConsumer : IDisposable
{
    public const int Accept = 1;
    public const int Release = 2;
    public const int Reject = 3;

    private IntPtr _handle;
    private IntPtr _batch;
    private readonly List<IntPtr> _messages = [];

    private ShareConsumer(IntPtr handle) => _handle = handle;

    public static ShareConsumer Create(string bootstrapServers, string groupId, bool explicitAcknowledgement, string clientId = "compat-share")
    {
        var conf = Configure(new Dictionary<string, string>
        {
            ["bootstrap.servers"] = bootstrapServers,
            ["group.id"] = groupId,
            ["client.id"] = clientId,
            ["share.acknowledgement.mode"] = explicitAcknowledgement ? "explicit" : "implicit",
            ["reconnect.backoff.ms"] = "50",
            ["reconnect.backoff.max.ms"] = "500",
        });
        var errstr = new byte[512];
        var handle = rd_kafka_share_consumer_new(conf, errstr, (nuint)errstr.Length);
        if (handle == IntPtr.Zero)
        {
            rd_kafka_conf_destroy(conf);
            throw new InvalidOperationException($"rd_kafka_share_consumer_new: {ErrorText(errstr)}");
        }
        return new ShareConsumer(handle);
    }

    public void Subscribe(params string[] topics)
    {
        var list = rd_kafka_topic_partition_list_new(topics.Length);
        try
        {
            foreach (var topic in topics)
            {
                rd_kafka_topic_partition_list_add(list, topic, -1);
            }
            var error = rd_kafka_share_subscribe(_handle, list);
            if (error != 0)
            {
                throw new InvalidOperationException($"rd_kafka_share_subscribe: error {error}");
            }
        }
        finally
        {
            rd_kafka_topic_partition_list_destroy(list);
        }
    }

    /// <summary>
    /// Polls one batch (the previous one is released first; in implicit mode that accepts it).
    /// Returns the records; in explicit mode <see cref="Acknowledge"/> them by index before the next poll.
    /// </summary>
    public (int Error, string ErrorText, List<ShareRecord> Records) Poll(int timeoutMs)
    {
        ReleaseBatch();
        var (code, text) = TakeError(rd_kafka_share_poll(_handle, timeoutMs, out var batch));
        var records = new List<ShareRecord>();
        if (batch == IntPtr.Zero)
        {
            return (code, text, records);
        }
        _batch = batch;
        var count = (int)rd_kafka_messages_count(batch);
        for (var i = 0; i < count; i++)
        {
            var pointer = rd_kafka_messages_get(batch, (nuint)i);
            var message = Marshal.PtrToStructure<Message>(pointer);
            var topic = message.Rkt == IntPtr.Zero ? "" : Marshal.PtrToStringUTF8(rd_kafka_topic_name(message.Rkt)) ?? "";
            var value = message.Payload == IntPtr.Zero || message.Err != 0 ? null : Marshal.PtrToStringUTF8(message.Payload, (int)message.Len);
            _messages.Add(pointer);
            records.Add(new ShareRecord(topic, message.Partition, message.Offset, value, rd_kafka_message_delivery_count(pointer), message.Err));
        }
        return (code, text, records);
    }

    /// <summary>Acknowledges record <paramref name="index"/> of the last poll (explicit mode); librdkafka's error code.</summary>
    public int Acknowledge(int index, int type) => rd_kafka_share_acknowledge_type(_handle, _messages[index], type);

    /// <summary>Sends pending acknowledgements and waits for the replies: the call's error and each partition's.</summary>
    public (int Error, List<(string Topic, int Partition, int Err)> Partitions) CommitSync(int timeoutMs)
    {
        var (code, _) = TakeError(rd_kafka_share_commit_sync(_handle, timeoutMs, out var list));
        var partitions = new List<(string, int, int)>();
        if (list != IntPtr.Zero)
        {
            var header = Marshal.PtrToStructure<TopicPartitionList>(list);
            var size = Marshal.SizeOf<TopicPartition>();
            for (var i = 0; i < header.Count; i++)
            {
                var element = Marshal.PtrToStructure<TopicPartition>(header.Elements + (i * size));
                partitions.Add((Marshal.PtrToStringUTF8(element.Topic) ?? "", element.Partition, element.Err));
            }
            rd_kafka_topic_partition_list_destroy(list);
        }
        return (code, partitions);
    }

    /// <summary>Closes the consumer (pending acknowledgements are sent, the share session ends): its error code.</summary>
    public int Close()
    {
        ReleaseBatch();
        return TakeError(rd_kafka_share_consumer_close(_handle)).Code;
    }

    private void ReleaseBatch()
    {
        _messages.Clear();
        if (_batch != IntPtr.Zero)
        {
            rd_kafka_messages_destroy(_batch);
            _batch = IntPtr.Zero;
        }
    }

    public void Dispose()
    {
        if (_handle == IntPtr.Zero)
        {
            return;
        }
        ReleaseBatch();
        TakeError(rd_kafka_share_destroy(_handle));
        _handle = IntPtr.Zero;
    }
}
