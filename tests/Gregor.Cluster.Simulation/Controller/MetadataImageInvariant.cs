using Gregor.Cluster.Metadata;

namespace Gregor.Cluster.Simulation;

/// <summary>
/// After every event, on every running node: the published image equals a fresh replay of the
/// node's own log up to the image's offset, and the controller core's committed state equals the
/// image. Checked only when a node's image moved (replays are not free).
/// </summary>
public sealed class MetadataImageInvariant : ISimInvariant
{
    private readonly Dictionary<int, (int Incarnation, long Offset)> _checked = [];

    public long Checks { get; private set; }

    public void Check(SimCluster cluster)
    {
        foreach (var node in cluster.Nodes)
        {
            if (!node.IsUp || node.Components.OfType<MetadataSimNode>().FirstOrDefault() is not { } metadata)
            {
                continue;
            }
            var image = metadata.Loader.Current;
            if (_checked.TryGetValue(node.NodeId, out var last) && last == (node.Incarnation, image.Offset))
            {
                continue;
            }
            _checked[node.NodeId] = (node.Incarnation, image.Offset);
            Checks++;
            var fresh = MetadataSimNode.FreshReplay(node, image.Offset);
            if (!MetadataImageRecords.Equivalent(image, fresh))
            {
                cluster.Violation($"node {node.NodeId}: its image at offset {image.Offset} differs from a fresh replay of its log " +
                    $"(topics {image.TopicsByName.Count} vs {fresh.TopicsByName.Count}, brokers {image.Brokers.Count} vs {fresh.Brokers.Count})");
            }
            if (metadata.Controller is { } controller && !MetadataImageRecords.Equivalent(image, controller.Committed))
            {
                cluster.Violation($"node {node.NodeId}: the controller's committed state (offset {controller.Committed.Offset}) " +
                    $"differs from the published image (offset {image.Offset})");
            }
        }
    }
}
