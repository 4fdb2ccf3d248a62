using Gregor.Broker.Config;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Controller;

namespace Gregor.Broker.Tests.Quorum;

/// <summary><c>gregor storage format</c>'s work: meta.properties, the bootstrap voter set, and the start-time check.</summary>
public sealed class StorageFormatterTests : IDisposable
{
    private readonly TempDirectory _dir = new("format");

    public void Dispose() => _dir.Dispose();

    private BrokerConfig Config(params (string Key, string Value)[] values)
    {
        var map = values.ToDictionary(v => v.Key, v => v.Value);
        map.TryAdd("log.dirs", _dir.Sub("data"));
        return BrokerConfig.Parse(map);
    }

    private BrokerConfig ThreeVoterConfig(int nodeId) => Config(
        ("node.id", $"{nodeId}"), ("listeners", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0"), ("controller.listener.names", "CONTROLLER"),
        ("controller.quorum.voters", "1@localhost:9093,2@localhost:9193,3@localhost:9293"));

    [Fact]
    public void Format_WritesKafkasMetaPropertiesInEveryDirectory()
    {
        var clusterId = KafkaUuid.NewRandom();
        var config = Config(("log.dirs", $"{_dir.Sub("a")},{_dir.Sub("b")}"), ("metadata.log.dir", _dir.Sub("meta")), ("node.id", "3"),
            ("listeners", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0"), ("controller.listener.names", "CONTROLLER"),
            ("controller.quorum.voters", "3@localhost:9093"));

        var lines = StorageFormatter.Format(config, new StorageFormatOptions { ClusterId = clusterId }, 0);

        Assert.Equal(3, lines.Count);
        var ids = new HashSet<string>();
        foreach (var name in new[] { "a", "b", "meta" })
        {
            var text = File.ReadAllText(Path.Combine(_dir.Sub(name), "meta.properties"));
            Assert.Contains("version=1\n", text, StringComparison.Ordinal);
            Assert.Contains($"cluster.id={clusterId}\n", text, StringComparison.Ordinal);
            Assert.Contains("node.id=3\n", text, StringComparison.Ordinal);
            var meta = MetaProperties.TryRead(_dir.Sub(name))!;
            Assert.True(KafkaUuid.TryParse(meta.DirectoryId, out _));
            Assert.True(ids.Add(meta.DirectoryId!)); // each directory its own id
        }
        Assert.Null(BootstrapCheckpoint.TryReadVoters(StorageFormatter.MetadataPartitionDirectory(config)));
    }

    [Fact]
    public void Format_AlreadyFormatted_FailsUnlessIgnoreFormatted()
    {
        var config = ThreeVoterConfig(1);
        var options = new StorageFormatOptions { ClusterId = KafkaUuid.NewRandom() };
        StorageFormatter.Format(config, options, 0);

        var e = Assert.Throws<StorageFormatException>(() => StorageFormatter.Format(config, options, 0));
        Assert.Contains("is already formatted. Use --ignore-formatted", e.Message, StringComparison.Ordinal);
        Assert.Equal(["All of the log directories are already formatted."], StorageFormatter.Format(config, options with { IgnoreFormatted = true }, 0));
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Format_BadClusterId_IsRefused(string clusterId)
    {
        var e = Assert.Throws<StorageFormatException>(() => StorageFormatter.Format(ThreeVoterConfig(1), new StorageFormatOptions { ClusterId = clusterId }, 0));

        Assert.Contains("does not appear to be a valid UUID", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir.Sub("data"), "meta.properties")));
    }

    [Fact]
    public void Standalone_WritesTheBootstrapCheckpointWithThisControllerAsTheOnlyVoter()
    {
        var config = Config(("node.id", "1"), ("listeners", "PLAINTEXT://:9092,CONTROLLER://:9093"),
            ("advertised.listeners", "PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093"),
            ("controller.listener.names", "CONTROLLER"), ("controller.quorum.bootstrap.servers", "localhost:9093"));

        StorageFormatter.Format(config, new StorageFormatOptions { ClusterId = KafkaUuid.NewRandom(), Standalone = true }, 1_700_000_000_000);

        var partition = StorageFormatter.MetadataPartitionDirectory(config);
        Assert.True(File.Exists(Path.Combine(partition, "00000000000000000000-0000000000.checkpoint")));
        var voter = Assert.Single(BootstrapCheckpoint.TryReadVoters(partition)!);
        Assert.Equal((1, "CONTROLLER", "localhost", 9093), (voter.Id, voter.ListenerName, voter.Host, voter.Port));
        Assert.Equal(MetaProperties.TryRead(_dir.Sub("data"))!.DirectoryId, voter.DirectoryId);
    }

    [Fact]
    public void InitialControllers_WritesEveryVoterAndUsesThisNodesDirectoryId()
    {
        string[] dirIds = [KafkaUuid.NewRandom(), KafkaUuid.NewRandom(), KafkaUuid.NewRandom()];
        var config = Config(("node.id", "2"), ("listeners", "PLAINTEXT://:9192,CONTROLLER://:9193"),
            ("controller.listener.names", "CONTROLLER"), ("controller.quorum.bootstrap.servers", "localhost:9093"));
        var list = $"1@localhost:9093:{dirIds[0]},2@localhost:9193:{dirIds[1]},3@localhost:9293:{dirIds[2]}";

        StorageFormatter.Format(config, new StorageFormatOptions { ClusterId = KafkaUuid.NewRandom(), InitialControllers = list }, 0);

        var voters = BootstrapCheckpoint.TryReadVoters(StorageFormatter.MetadataPartitionDirectory(config))!;
        Assert.Equal([1, 2, 3], voters.Select(v => v.Id));
        Assert.Equal(dirIds, voters.Select(v => v.DirectoryId));
        Assert.Equal([9093, 9193, 9293], voters.Select(v => v.Port));
        Assert.Equal(dirIds[1], MetaProperties.TryRead(_dir.Sub("data"))!.DirectoryId);
    }

    [Theory]
    [InlineData("1@localhost:9093")]
    [InlineData("1@localhost:9093:short")]
    [InlineData("x@localhost:9093:AAAAAAAAAAAAAAAAAAAAAQ")]
    [InlineData("1@localhost:9093:AAAAAAAAAAAAAAAAAAAAAQ")] // does not contain node 2
    public void InitialControllers_Malformed_IsRefused(string list)
    {
        var config = Config(("node.id", "2"), ("listeners", "PLAINTEXT://:0,CONTROLLER://:0"),
            ("controller.listener.names", "CONTROLLER"), ("controller.quorum.bootstrap.servers", "localhost:9093"));

        Assert.Throws<StorageFormatException>(() =>
            StorageFormatter.Format(config, new StorageFormatOptions { ClusterId = KafkaUuid.NewRandom(), InitialControllers = list }, 0));
        Assert.False(File.Exists(Path.Combine(_dir.Sub("data"), "meta.properties")));
    }

    [Fact]
    public void Standalone_WithStaticVoters_IsRefusedAsKafkaDoes()
    {
        var e = Assert.Throws<StorageFormatException>(() =>
            StorageFormatter.Format(ThreeVoterConfig(1), new StorageFormatOptions { ClusterId = KafkaUuid.NewRandom(), Standalone = true }, 0));

        Assert.Contains("You cannot specify controller.quorum.voters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureFormatted_SoleVoter_FormatsItselfWithTheConfiguredClusterId()
    {
        var clusterId = KafkaUuid.NewRandom();
        var config = Config(("cluster.id", clusterId));

        StorageFormatter.EnsureFormatted(config, 0);

        var meta = MetaProperties.TryRead(_dir.Sub("data"))!;
        Assert.Equal((clusterId, 1), (meta.ClusterId, meta.NodeId));
        StorageFormatter.EnsureFormatted(config, 0); // and accepts its own storage afterwards
    }

    [Fact]
    public void EnsureFormatted_OneOfSeveralVoters_RefusesUnformattedStorage()
    {
        var e = Assert.Throws<StorageFormatException>(() => StorageFormatter.EnsureFormatted(ThreeVoterConfig(2), 0));

        Assert.Contains("is not formatted and node 2 is one of 3 voters", e.Message, StringComparison.Ordinal);
        Assert.Contains("gregor storage format", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir.Sub("data"), "meta.properties")));
    }

    [Fact]
    public void EnsureFormatted_StorageOfAnotherNode_IsRefused()
    {
        StorageFormatter.Format(ThreeVoterConfig(1), new StorageFormatOptions { ClusterId = KafkaUuid.NewRandom() }, 0);

        var e = Assert.Throws<StorageFormatException>(() => StorageFormatter.EnsureFormatted(ThreeVoterConfig(2), 0));

        Assert.Contains("belongs to node.id=1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KafkaUuid_RoundTripsAndNeverStartsWithADash()
    {
        for (var i = 0; i < 200; i++)
        {
            var id = KafkaUuid.NewRandom();
            Assert.Equal(22, id.Length);
            Assert.NotEqual('-', id[0]);
            Assert.True(KafkaUuid.TryParse(id, out var guid));
            Assert.Equal(id, KafkaUuid.ToText(guid));
        }
        Assert.False(KafkaUuid.TryParse("too-short", out _));
    }
}
