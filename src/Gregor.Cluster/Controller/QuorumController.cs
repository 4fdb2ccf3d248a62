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
/// <para>Lifecycle: the constructor touches nothing; <see cref="Open"/> reads meta.properties and
/// replays the log (restoring the exact image, ids and producer id high-water mark);
/// <see cref="RegisterBrokerAsync"/> registers this node with the listener clients must use (once
/// the node knows its bound port) and publishes; Dispose closes the log. Mutations before
/// <see cref="Open"/> throw <see cref="InvalidOperationException"/>.
/// Thread-safety: mutations are serialized by one async lock; <see cref="Current"/> is a
/// lock-free read of an immutable image; subscribers run on the committing thread, in log order.</para>
/// </summary>
public sealed partial class QuorumController : IController, IDisposable
{
    public const string MetadataVersionFeature = "metadata.version";

    /// <summary>Kafka 3.9's metadata.version (3.9-IV0); Gregor reads records at these versions.</summary>
    public const short MetadataVersionLevel = 21;

    private readonly QuorumControllerOptions _options;
    private IMetadataLogStore? _store;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _subscribersLock = new();
    private readonly Dictionary<string, short> _featureLevels = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _brokerEpochs = [];
    private ImmutableArray<Action<MetadataImage, MetadataImage>> _subscribers = [];
    private MetadataImage _current;
    private long _nextProducerId;
    private bool _disposed;

    /// <summary>Does no I/O: the store is opened (or <paramref name="store"/> adopted) by <see cref="Open"/>.</summary>
    public QuorumController(QuorumControllerOptions options, IMetadataLogStore? store = null, ILogger<QuorumController>? logger = null)
    {
        _options = options;
        Configs = new EffectiveConfigs(options.NodeId, options.StaticBrokerConfigs);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _store = store;
        _current = MetadataImage.Empty(options.ClusterId ?? "", options.NodeId);
    }

    /// <summary>True once <see cref="Open"/> replayed the log.</summary>
    public bool IsOpen => _store is not null && Epoch > 0;

    /// <summary>
    /// Reads (or creates) <c>meta.properties</c>, opens the metadata log and replays it into the
    /// image; the epoch becomes one more than the last one in the log. Throws
    /// <see cref="InvalidDataException"/> when the data dir belongs to another node, I/O
    /// exceptions when the log cannot be read. Call once, before any mutation.
    /// </summary>
    public void Open()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (IsOpen)
        {
            throw new InvalidOperationException("the controller is already open");
        }
        var clusterId = _options.DataDirectory is null
            ? _options.ClusterId ?? MetaProperties.NewClusterId()
            : MetaProperties.LoadOrCreate(_options.DataDirectory, _options.NodeId, _options.ClusterId).ClusterId;
        var store = _store ?? (_options.DataDirectory is null
            ? new InMemoryMetadataLogStore()
            : FileMetadataLogStore.Open(_options.DataDirectory));
        try
        {
            _current = MetadataImage.Empty(clusterId, _options.NodeId);
            if (store is FileMetadataLogStore { TruncatedBytes: > 0 } file)
            {
                LogTruncated(file.TruncatedBytes, file.Directory);
            }
            Epoch = Replay(store) + 1;
            _store = store;
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    public MetadataImage Current => Volatile.Read(ref _current);

    /// <summary>The controller epoch this node writes with (one more than the last epoch in the log).</summary>
    public int Epoch { get; private set; }

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

    /// <summary>The configs this node runs with: static settings under the image's dynamic broker configs.</summary>
    public EffectiveConfigs Configs { get; }

    /// <summary>Every known topic config with its effective value: the topic's override, else the default.</summary>
    public IReadOnlyDictionary<string, string> EffectiveTopicConfigs(IReadOnlyDictionary<string, string> dynamicConfigs) =>
        Configs.TopicConfigs(Current, dynamicConfigs);

    private int Replay(IMetadataLogStore store)
    {
        var lastEpoch = 0;
        var builder = NewBuilder(_current);
        var count = 0;
        foreach (var batch in store.ReadAll())
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

    /// <summary>
    /// Registers this node as a broker reachable at <paramref name="host"/>:<paramref name="port"/>
    /// (the advertised listener, with the port actually bound), as a new incarnation whose broker
    /// epoch is its offset, as a Kafka broker does on every start. On a fresh log it first records
    /// the metadata.version feature level. Requires <see cref="Open"/>.
    /// </summary>
    public async Task RegisterBrokerAsync(string host, int port, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(host);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(port);
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var store = OpenStore;
            var records = new List<MetadataRecord>(2);
            if (!_featureLevels.ContainsKey(MetadataVersionFeature))
            {
                records.Add(new FeatureLevelRecord(MetadataVersionFeature, MetadataVersionLevel));
            }
            records.Add(Registration(host, port, store.EndOffset + records.Count));
            var next = await CommitAsync(records).ConfigureAwait(false);
            LogCommitted("broker registration", $"{host}:{port}", next.Offset);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private IMetadataLogStore OpenStore =>
        _store is { } store && Epoch > 0 ? store : throw new InvalidOperationException("the controller is not open");

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
        var store = OpenStore;
        var baseOffset = store.EndOffset;
        var batch = MetadataBatch.Encode(baseOffset, Epoch, _options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(), records);
        // Not cancellable: once bytes may be on disk the outcome must be known.
        await store.AppendAsync(batch, CancellationToken.None).ConfigureAwait(false);
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
            _store?.Dispose();
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
