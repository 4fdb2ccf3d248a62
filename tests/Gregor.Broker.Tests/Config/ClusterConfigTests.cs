using Gregor.Broker.Config;

namespace Gregor.Broker.Tests.Config;

/// <summary>process.roles, the controller listener and the quorum voters: Kafka's names, defaults and cross-key rules.</summary>
public sealed class ClusterConfigTests
{
    private static BrokerConfig Parse(params (string Key, string Value)[] values) =>
        BrokerConfig.Parse(values.ToDictionary(v => v.Key, v => v.Value));

    [Fact]
    public void Default_IsACombinedSoleVoterWithKafkasQuorumTimeouts()
    {
        var config = BrokerConfig.Default;

        Assert.Equal(["broker", "controller"], config.ProcessRoles);
        Assert.True(config.IsBroker && config.IsController && config.IsSoleVoter);
        Assert.Empty(config.ControllerListenerNames);
        Assert.Empty(config.QuorumVoters);
        Assert.Equal(1000, config.ControllerQuorumElectionTimeoutMs);
        Assert.Equal(2000, config.ControllerQuorumFetchTimeoutMs);
        Assert.Equal(1000, config.ControllerQuorumElectionBackoffMaxMs);
        Assert.Equal(2000, config.ControllerQuorumRequestTimeoutMs);
        Assert.Equal(2000, config.BrokerHeartbeatIntervalMs);
        Assert.Equal(9000, config.BrokerSessionTimeoutMs);
        Assert.Equal(20L * 1024 * 1024, config.MetadataLogMaxRecordBytesBetweenSnapshots);
        Assert.Equal(3_600_000, config.MetadataLogMaxSnapshotIntervalMs);
        Assert.Equal(config.DataDir, config.MetadataLogDir);
    }

    [Fact]
    public void CombinedNode_SeparatesTheControllerListenerFromWhatClientsSee()
    {
        // Kafka's quick-start server.properties, voters in the static form.
        var config = Parse(
            ("node.id", "2"),
            ("listeners", "PLAINTEXT://:9192,CONTROLLER://:9193"),
            ("advertised.listeners", "PLAINTEXT://localhost:9192,CONTROLLER://localhost:9193"),
            ("controller.listener.names", "CONTROLLER"),
            ("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"),
            ("controller.quorum.voters", "1@localhost:9093,2@localhost:9193,3@localhost:9293"),
            ("broker.rack", "r2"));

        Assert.Equal("CONTROLLER", Assert.Single(config.ControllerListeners).Name);
        Assert.Equal("PLAINTEXT", Assert.Single(config.BrokerListeners).Name);
        Assert.Equal("localhost:9192", Assert.Single(config.AdvertisedListeners).ToString());
        Assert.Equal([1, 2, 3], config.QuorumVoters.Select(v => v.Id));
        Assert.Equal(("localhost", 9293), (config.QuorumVoters[2].Host, config.QuorumVoters[2].Port));
        Assert.False(config.IsSoleVoter);
        Assert.Equal("r2", config.BrokerRack);
    }

    [Fact]
    public void ControllerListenerName_WithoutAnExplicitMap_IsPlaintext()
    {
        var config = Parse(("listeners", "PLAINTEXT://127.0.0.1:0,CONTROLLER://127.0.0.1:0"), ("controller.listener.names", "CONTROLLER"));

        Assert.Equal("PLAINTEXT", config.ListenerSecurityProtocols["CONTROLLER"]);
        Assert.True(config.IsSoleVoter);
    }

    [Fact]
    public void VoterListOfJustThisNode_IsASoleVoter()
    {
        var config = Parse(
            ("node.id", "4"), ("listeners", "PLAINTEXT://:0,CONTROLLER://:0"), ("controller.listener.names", "CONTROLLER"),
            ("controller.quorum.voters", "4@localhost:9093"));

        Assert.True(config.IsSoleVoter);
    }

    [Fact]
    public void BrokerOnlyNode_IsNeverAVoter()
    {
        var config = Parse(
            ("node.id", "4"), ("process.roles", "broker"), ("listeners", "PLAINTEXT://:0"), ("controller.listener.names", "CONTROLLER"),
            ("controller.quorum.voters", "1@localhost:9093"));

        Assert.True(config.IsBroker);
        Assert.False(config.IsController);
        Assert.False(config.IsSoleVoter);
    }

    [Theory]
    [InlineData("process.roles", "broker,worker", "Unknown process role 'worker'")]
    [InlineData("process.roles", "broker,broker", "Duplicate role names")]
    [InlineData("controller.quorum.voters", "1@localhost", "{id}@{host}:{port}")]
    [InlineData("controller.quorum.voters", "x@localhost:9093", "{id}@{host}:{port}")]
    [InlineData("listener.security.protocol.map", "PLAINTEXT", "NAME:PROTOCOL")]
    [InlineData("listener.security.protocol.map", "PLAINTEXT:TLS", "Unknown security protocol TLS")]
    [InlineData("controller.quorum.election.timeout.ms", "-1", "controller.quorum.election.timeout.ms")]
    public void BadValue_IsRejectedNamingTheKey(string key, string value, string message)
    {
        var e = Assert.Throws<BrokerConfigException>(() => Parse((key, value)));

        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Controller_NotInTheVoterSet_IsRejected()
    {
        var e = Assert.Throws<BrokerConfigException>(() => Parse(
            ("node.id", "9"), ("listeners", "PLAINTEXT://:0,CONTROLLER://:0"), ("controller.listener.names", "CONTROLLER"),
            ("controller.quorum.voters", "1@a:9093,2@b:9093")));

        Assert.Contains("node id 9 must be included in the set of voters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneOfSeveralVoters_WithoutAControllerListener_IsRejected()
    {
        var e = Assert.Throws<BrokerConfigException>(() => Parse(("controller.quorum.voters", "1@a:9093,2@b:9093")));

        Assert.Contains("controller.listener.names", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokerOnlyNode_ListedAsVoter_IsRejected()
    {
        var e = Assert.Throws<BrokerConfigException>(() => Parse(
            ("process.roles", "broker"), ("controller.listener.names", "CONTROLLER"), ("controller.quorum.voters", "1@a:9093")));

        Assert.Contains("must not be included in the set of voters", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokerOnlyNode_WithoutVotersOrBootstrap_IsRejected()
    {
        var e = Assert.Throws<BrokerConfigException>(() => Parse(("process.roles", "broker"), ("controller.listener.names", "CONTROLLER")));

        Assert.Contains("controller.quorum.voters or controller.quorum.bootstrap.servers", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BrokerOnlyNode_ServingTheControllerListener_IsRejected()
    {
        var e = Assert.Throws<BrokerConfigException>(() => Parse(
            ("node.id", "4"), ("process.roles", "broker"), ("listeners", "PLAINTEXT://:0,CONTROLLER://:0"),
            ("controller.listener.names", "CONTROLLER"), ("controller.quorum.voters", "1@a:9093")));

        Assert.Contains("just the broker role", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ControllerOnlyNode_WithABrokerListener_IsRejected()
    {
        var e = Assert.Throws<BrokerConfigException>(() => Parse(
            ("process.roles", "controller"), ("listeners", "PLAINTEXT://:0,CONTROLLER://:0"), ("controller.listener.names", "CONTROLLER")));

        Assert.Contains("only contain KRaft controller listeners", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListenerWithoutAProtocol_OrTwoListenersOfOneName_AreRejected()
    {
        Assert.Contains("No security protocol defined for listener INTERNAL",
            Assert.Throws<BrokerConfigException>(() => Parse(("listeners", "INTERNAL://:0"))).Message, StringComparison.Ordinal);
        Assert.Contains("different name",
            Assert.Throws<BrokerConfigException>(() => Parse(("listeners", "PLAINTEXT://:1,PLAINTEXT://:2"))).Message, StringComparison.Ordinal);
        Assert.Contains("PLAINTEXT listeners only",
            Assert.Throws<BrokerConfigException>(() => Parse(("listeners", "SSL://:1"))).Message, StringComparison.Ordinal);
    }
}
