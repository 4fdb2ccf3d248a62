using Gregor.Protocol.Errors;

namespace Gregor.Tests;

/// <summary>
/// Issue #11, section B: the active controller cut off from the network. Three combined nodes,
/// each in its own network namespace with its own address on a private bridge
/// (<see cref="NamespaceNetwork"/>, root only; CI runs as root); the leader's switch port goes
/// down, so every packet to or from it is lost silently, as with a pulled cable.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ClusterIsolationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task IsolatingTheActiveController_MajorityElectsAndServesAdmin_IsolatedOneStopsLeading_AfterHealEveryImageConverges()
    {
        if (NamespaceNetwork.UnavailableReason is { } reason)
        {
            Assert.Skip(reason);
        }
        // Disposed in reverse: the processes stop before their namespaces go.
        await using var network = await NamespaceNetwork.CreateAsync(3);
        await using var cluster = await GregorCluster.StartAsync(new GregorClusterLayout { Host = network.Address, CommandPrefix = network.CommandPrefix });
        await Eventually.TrueAsync(async () => (await ClusterClient.BrokersAsync(cluster, 1)).Count == 3, "3 brokers registered and unfenced", Bound);
        var created = new List<string> { "before-isolation" };
        Assert.Equal(ErrorCode.None, await ClusterClient.CreateTopicAsync(cluster, 1, created[0], 3));

        var leader = await ClusterClient.ActiveControllerAsync(cluster, 1);
        var survivors = Enumerable.Range(1, 3).Where(n => n != leader).ToArray();
        // The probe used on the isolated node below, run inside its namespace, sees it leading now.
        var before = await ClusterClient.QuorumStatusAsync(cluster, leader, network.CommandPrefix(leader));
        Assert.True(before is { } b && b.Leader == leader, $"node {leader} describes itself as leader before the cut: {before}");

        await network.DisconnectAsync(leader);

        // The majority side elects a new leader in a higher epoch...
        (int Leader, int Epoch)? after = null;
        await Eventually.TrueAsync(async () => (after = await ClusterClient.QuorumStatusAsync(cluster, survivors[0])) is { } s && s.Leader is > 0 && s.Leader != leader,
            "the survivors elect a new leader", Bound);
        Assert.Contains(after!.Value.Leader, survivors);
        Assert.True(after.Value.Epoch > before!.Value.Epoch, $"epoch {after.Value.Epoch} after, {before.Value.Epoch} before");
        foreach (var survivor in survivors)
        {
            await Eventually.TrueAsync(async () => await ClusterClient.ControllerSeenByAsync(cluster, survivor) == after.Value.Leader,
                $"node {survivor} reports controller {after.Value.Leader}", Bound);
        }
        // ...and serves admin requests through either survivor.
        foreach (var survivor in survivors)
        {
            var topic = $"during-isolation-via-{survivor}";
            await Eventually.TrueAsync(async () => await ClusterClient.CreateTopicAsync(cluster, survivor, topic, 2) is ErrorCode.None or ErrorCode.TopicAlreadyExists,
                $"{topic} created through node {survivor}", Bound);
            created.Add(topic);
        }

        // The isolated node resigns once no majority has fetched within the fetch timeout: asked
        // inside its namespace, it no longer describes itself as the leader.
        (int Leader, int Epoch)? isolated = null;
        await Eventually.TrueAsync(async () => (isolated = await ClusterClient.QuorumStatusAsync(cluster, leader, network.CommandPrefix(leader))) is { } s && s.Leader != leader,
            $"isolated node {leader} stops acting as leader", Bound);
        Assert.True(cluster.Node(leader).IsRunning);

        await network.ReconnectAsync(leader);

        // After the heal the old leader follows the new one, its log catches up, and every node
        // replayed the same image: the same topics with the same ids and replicas.
        await Eventually.TrueAsync(async () => await ClusterClient.QuorumStatusAsync(cluster, leader) is { } s && s.Leader == after.Value.Leader,
            $"node {leader} follows leader {after.Value.Leader} after the heal", Bound);
        await Eventually.TrueAsync(async () =>
        {
            var rows = await ClusterClient.QuorumReplicationAsync(cluster, after.Value.Leader);
            return rows is { Count: 3 } && rows.Select(r => r.LogEndOffset).Distinct().Count() == 1;
        }, "every voter's log ends at the leader's log end offset", Bound);
        var images = new string?[3];
        await Eventually.TrueAsync(async () =>
        {
            for (var id = 1; id <= 3; id++)
            {
                images[id - 1] = await ClusterClient.ImageAsync(cluster, id);
            }
            return images.All(i => i is not null && i == images[0]) && created.All(t => images[0]!.Contains($"{t} ", StringComparison.Ordinal));
        }, "every node's image is the same and holds every created topic", Bound);
        await Eventually.TrueAsync(async () => (await ClusterClient.BrokersAsync(cluster, leader)).Count == 3, $"broker {leader} is unfenced again", Bound);
        Assert.Equal(created.Order(StringComparer.Ordinal), (await ClusterClient.TopicsAsync(cluster, 1)).Order(StringComparer.Ordinal));
    }
}
