namespace Gregor.Cluster.Metadata;

/// <summary>
/// Hands the current metadata image to the parts of a node that act on topology (replica
/// manager, group coordinator, handlers). Subscribers are called in metadata-log order, once
/// per published image, on the publishing thread; they must not block.
/// </summary>
public interface IMetadataPublisher
{
    MetadataImage Current { get; }

    /// <summary>Registers a callback for every image published after this call (previous, next).</summary>
    IDisposable Subscribe(Action<MetadataImage, MetadataImage> onPublished);
}
