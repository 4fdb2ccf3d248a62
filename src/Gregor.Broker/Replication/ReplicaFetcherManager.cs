using Gregor.Cluster.Metadata;
using Gregor.Cluster.Partitions;
using Gregor.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Broker.Replication;

/// <summary>
/// Keeps one <see cref="ReplicaFetcher"/> per source broker for the partitions this node follows
/// (Kafka's ReplicaFetcherManager, one fetcher thread per source): after every metadata image the
/// replica manager hands it the full list of followed partitions and it moves each to the fetcher
/// of its current leader (a new leader epoch restarts the partition's fetch state), drops those no
/// longer followed or without a leader, and stops fetchers left with nothing to fetch.
/// Thread-safety: <see cref="Reconcile"/> runs under the replica manager's image lock (so in
/// image order) and only updates maps; fetchers run on their own tasks.
/// </summary>
public sealed class ReplicaFetcherManager : IAsyncDisposable
{
    private readonly ReplicaManager _replicas;
    private readonly IMetadataPublisher _metadata;
    private readonly ReplicaFetcherOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, ReplicaFetcher> _fetchers = [];
    private readonly List<Task> _stopping = [];
    private bool _disposed;

    public ReplicaFetcherManager(ReplicaManager replicas, IMetadataPublisher metadata, ReplicaFetcherOptions options, ILogger<ReplicaFetcherManager>? logger = null)
    {
        _replicas = replicas;
        _metadata = metadata;
        _options = options;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The source brokers fetched from now, with their partition counts.</summary>
    public IReadOnlyDictionary<int, int> Sources
    {
        get
        {
            lock (_lock)
            {
                return _fetchers.ToDictionary(f => f.Key, f => f.Value.PartitionCount);
            }
        }
    }

    /// <summary>Assigns every followed partition to the fetcher of its leader.</summary>
    public void Reconcile(IReadOnlyList<FollowerAssignment> followers)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            var wanted = new Dictionary<TopicPartition, FollowerAssignment>();
            foreach (var follower in followers)
            {
                if (follower.LeaderId >= 0 && follower.LeaderId != _options.NodeId)
                {
                    wanted[follower.TopicPartition] = follower;
                }
            }
            foreach (var (source, fetcher) in _fetchers)
            {
                foreach (var topicPartition in fetcher.Partitions)
                {
                    if (!wanted.TryGetValue(topicPartition, out var assignment) || assignment.LeaderId != source)
                    {
                        fetcher.Remove(topicPartition);
                    }
                }
            }
            foreach (var assignment in wanted.Values)
            {
                if (!_fetchers.TryGetValue(assignment.LeaderId, out var fetcher))
                {
                    fetcher = new ReplicaFetcher(assignment.LeaderId, _replicas, _metadata, _options, _logger);
                    _fetchers[assignment.LeaderId] = fetcher;
                }
                fetcher.Assign(assignment);
            }
            foreach (var (source, fetcher) in _fetchers.ToList())
            {
                if (fetcher.PartitionCount == 0)
                {
                    _fetchers.Remove(source);
                    _stopping.Add(fetcher.DisposeAsync().AsTask());
                }
            }
            _stopping.RemoveAll(t => t.IsCompleted);
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Task> stops;
        lock (_lock)
        {
            _disposed = true;
            stops = [.. _stopping, .. _fetchers.Values.Select(f => f.DisposeAsync().AsTask())];
            _fetchers.Clear();
            _stopping.Clear();
        }
        await Task.WhenAll(stops).ConfigureAwait(false);
    }
}
