using System.Collections.Immutable;

namespace Gregor.Cluster.Metadata;

/// <summary>
/// The subscribers of an <see cref="IMetadataPublisher"/>: added and removed under a lock,
/// published to without one (copy on write), in the order they subscribed. A subscriber that
/// throws is reported to <c>onFailure</c> and does not stop the others.
/// </summary>
public sealed class MetadataSubscribers
{
    private readonly Lock _lock = new();
    private ImmutableArray<Action<MetadataImage, MetadataImage>> _subscribers = [];

    public IDisposable Add(Action<MetadataImage, MetadataImage> onPublished)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Add(onPublished);
        }
        return new Subscription(this, onPublished);
    }

    public void Publish(MetadataImage previous, MetadataImage next, Action<Exception, MetadataImage> onFailure)
    {
        foreach (var subscriber in _subscribers)
        {
            try
            {
                subscriber(previous, next);
            }
            catch (Exception ex)
            {
                onFailure(ex, next);
            }
        }
    }

    private sealed class Subscription(MetadataSubscribers owner, Action<MetadataImage, MetadataImage> callback) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._lock)
            {
                owner._subscribers = owner._subscribers.Remove(callback);
            }
        }
    }
}
