using System.Collections.Immutable;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Log;
using Gregor.Cluster.Metadata;
using Gregor.Cluster.Records;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Cluster.Controller;

/// <summary>
/// The single-node KRaft-style controller. Every change (topic create/delete, partitions,
/// configs, broker registration, producer id blocks) is validated with Kafka's rules and error
/// codes, written as metadata records in one batch to the metadata log
/// (<c>&lt;data-dir&gt;/metadata/__cluster_metadata-0</c>), and — once the append returned, which is the
/// commit point while this node is the only voter — applied to a new <see cref="MetadataImage"/>
/// that is published to subscribers. Batches carry offsets and the controller epoch (bumped on
/// every start, as an election would), so a quorum can replace the local append later.
/// <para>Lifecycle: the constructor replays the log (restoring the exact image, ids and producer
/// id high-water mark), registers this node as a broker, and publishes; Dispose closes the log.
/// Thread-safety: mutations are serialized by one async lock; <see cref="Current"/> is a
/// lock-free read of an immutable image; subscribers run on the committing thread, in log order.</para>
/// </summary>
public sealed partial class QuorumController : IController, IDisposable
{
    public const string MetadataVersionFeature = "metadata.version";

    /// <summary>Kafka 3.9's metadata.version (3.9-IV0); Gregor reads records at these versions.</summary>
    public const short MetadataVersionLevel = 21;

    private readonly QuorumControllerOptions _options;
    private readonly IMetadataLogStore _store;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _subscribersLock = new();
    private readonly Dictionary<string, short> _featureLevels = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _brokerEpochs = [];
    private ImmutableArray<Action<MetadataImage, MetadataImage>> _subscribers = [];
    private MetadataImage _current;
    private long _nextProducerId;
    private bool _disposed;

    public QuorumController(QuorumControllerOptions options, IMetadataLogStore? store = null, ILogger<QuorumController>? logger = null)
    {
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var clusterId = options.DataDirectory is null
            ? options.ClusterId ?? MetaProperties.NewClusterId()
            : MetaProperties.LoadOrCreate(options.DataDirectory, options.NodeId, options.ClusterId).ClusterId;
        _store = store ?? (options.DataDirectory is null
            ? new InMemoryMetadataLogStore()
            : FileMetadataLogStore.Open(options.DataDirectory));
        _current = MetadataImage.Empty(clusterId, options.NodeId);
        try
        {
            if (_store is FileMetadataLogStore { TruncatedBytes: > 0 } file)
            {
                LogTruncated(file.TruncatedBytes, file.Directory);
            }
            Epoch = Replay() + 1;
            Bootstrap();
        }
        catch
        {
            _store.Dispose();
            throw;
        }
    }

    public MetadataImage Current => Volatile.Read(ref _current);

    /// <summary>The controller epoch this node writes with (one more than the last epoch in the log).</summary>
    public int Epoch { get; }

    /// <summary>The finalized feature levels recorded in the log (metadata.version, …).</summary>
    public IReadOnlyDictionary<string, short> FeatureLevels
    {
        get
        {
            _writeLock.Wait();
            try
            {
                return new Dictionary<string, short>(_featureLevels, StringComparer.Ordinal);
            }
            finally
            {
                _writeLock.Release();
            }
        }
    }

    public IDisposable Subscribe(Action<MetadataImage, MetadataImage> onPublished)
    {
        lock (_subscribersLock)
        {
            _subscribers = _subscribers.Add(onPublished);
        }
        return new Subscription(this, onPublished);
    }

    private sealed class Subscription(QuorumController owner, Action<MetadataImage, MetadataImage> callback) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._subscribersLock)
            {
                owner._subscribers = owner._subscribers.Remove(callback);
            }
        }
    }

    /// <summary>The value a topic config has when the topic does not override it (broker setting, else Kafka's default).</summary>
    public string DefaultTopicConfigValue(TopicConfigDefinition definition) =>
        _options.TopicConfigDefaults.TryGetValue(definition.Name, out var value) ? value : definition.DefaultValue;

    /// <summary>Every known topic config with its effective value: the topic's override, else the default.</summary>
    public IReadOnlyDictionary<string, string> EffectiveTopicConfigs(IReadOnlyDictionary<string, string> dynamicConfigs)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var definition in TopicConfigCatalogue.All.Values)
        {
            result[definition.Name] = dynamicConfigs.TryGetValue(definition.Name, out var value)
                ? value
                : DefaultTopicConfigValue(definition);
        }
        return result;
    }

    private int Replay()
    {
        var lastEpoch = 0;
        var builder = NewBuilder(_current);
        var count = 0;
        foreach (var batch in _store.ReadAll())
        {
            Protocol.Records.RecordBatchHeader.TryRead(batch.Span, out var header);
            lastEpoch = Math.Max(lastEpoch, header.PartitionLeaderEpoch);
            foreach (var entry in MetadataBatch.Decode(batch))
            {
                builder.Apply(entry.Offset, entry.Record);
                count++;
            }
        }
        _nextProducerId = builder.NextProducerId;
        _current = builder.Build();
        LogReplayed(count, _current.Offset, _current.TopicsByName.Count);
        return lastEpoch;
    }

    private void Bootstrap()
    {
        var records = new List<MetadataRecord>();
        if (!_featureLevels.ContainsKey(MetadataVersionFeature))
        {
            records.Add(new FeatureLevelRecord(MetadataVersionFeature, MetadataVersionLevel));
        }
        // A new registration per start, as a Kafka broker does: new incarnation, broker epoch = its offset.
        var brokerEpoch = _store.EndOffset + records.Count;
        records.Add(Registration(_options.AdvertisedHost, _options.AdvertisedPort, brokerEpoch));
        _writeLock.Wait();
        try
        {
            CommitAsync(records).AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private MetadataImageBuilder NewBuilder(MetadataImage image) => new(image)
    {
        NextProducerId = _nextProducerId,
        FeatureLevels = _featureLevels,
        BrokerEpochs = _brokerEpochs,
    };

    /// <summary>Appends the records as one batch (the commit point) and publishes the next image. Caller holds the write lock.</summary>
    private async ValueTask<MetadataImage> CommitAsync(IReadOnlyList<MetadataRecord> records)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var baseOffset = _store.EndOffset;
        var batch = MetadataBatch.Encode(baseOffset, Epoch, _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(), records);
        // Not cancellable: once bytes may be on disk the outcome must be known.
        await _store.AppendAsync(batch, CancellationToken.None).ConfigureAwait(false);
        var previous = _current;
        var builder = NewBuilder(previous);
        for (var i = 0; i < records.Count; i++)
        {
            builder.Apply(baseOffset + i, records[i]);
        }
        _nextProducerId = builder.NextProducerId;
        var next = builder.Build();
        Volatile.Write(ref _current, next);
        foreach (var subscriber in _subscribers)
        {
            try
            {
                subscriber(previous, next);
            }
            catch (Exception ex)
            {
                LogSubscriberFailed(ex, next.Offset);
            }
        }
        return next;
    }

    public void Dispose()
    {
        _writeLock.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _store.Dispose();
        }
        finally
        {
            _writeLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Count} metadata records up to offset {Offset}: {Topics} topics")]
    private partial void LogReplayed(int count, long offset, int topics);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dropped {Bytes} bytes of an incomplete or corrupt tail of the metadata log {Path}")]
    private partial void LogTruncated(long bytes, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "A metadata subscriber failed on the image at offset {Offset}")]
    private partial void LogSubscriberFailed(Exception exception, long offset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Committed {Operation} for {Resource} at metadata offset {Offset}")]
    private partial void LogCommitted(string operation, string resource, long offset);
}
