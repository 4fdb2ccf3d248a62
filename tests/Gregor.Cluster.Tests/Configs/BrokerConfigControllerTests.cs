using Gregor.Cluster.Configs;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Tests.Configs;

/// <summary>Dynamic broker configs in the controller: validation, ConfigRecords in the log, replay, layering.</summary>
public sealed class BrokerConfigControllerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ConfigChange Set(string name, string value) => new(name, ConfigOperation.Set, value);

    [Fact]
    public async Task DynamicConfigs_AreLayeredMostSpecificFirst_AndSurviveARestart()
    {
        using var dir = new TempDirectory();
        var options = new QuorumControllerOptions
        {
            NodeId = 1,
            DataDirectory = dir.Path,
            StaticBrokerConfigs = new Dictionary<string, string> { ["log.retention.hours"] = "1", ["message.max.bytes"] = "5000" },
        };
        using (var controller = Opened(new QuorumController(options)))
        {
            Assert.Equal("3600000", controller.Configs.TopicDefaults(controller.Current)["retention.ms"]);
            Assert.Equal((ErrorCode.None, (string?)null), await controller.AlterBrokerConfigsAsync("", [Set("log.retention.ms", "60000"), Set("message.max.bytes", "4000")], true, false, Ct));
            Assert.Equal((ErrorCode.None, (string?)null), await controller.AlterBrokerConfigsAsync("1", [Set("message.max.bytes", "3000")], true, false, Ct));
        }

        using var restarted = Opened(new QuorumController(options));
        var image = restarted.Current;
        Assert.Equal("60000", image.BrokerConfigsOf("")["log.retention.ms"]);
        Assert.Equal("3000", image.BrokerConfigsOf("1")["message.max.bytes"]);
        var defaults = restarted.Configs.TopicDefaults(image);
        Assert.Equal("60000", defaults["retention.ms"]);
        Assert.Equal("3000", defaults["max.message.bytes"]);
        Assert.Equal("10", restarted.Configs.TopicConfigs(image, new Dictionary<string, string> { ["max.message.bytes"] = "10" })["max.message.bytes"]);

        await restarted.AlterBrokerConfigsAsync("1", [new ConfigChange("message.max.bytes", ConfigOperation.Delete, null)], true, false, Ct);
        Assert.Equal("4000", restarted.Configs.TopicDefaults(restarted.Current)["max.message.bytes"]);
        Assert.False(restarted.Current.BrokerConfigs.ContainsKey("1"));
    }

    [Fact]
    public async Task Legacy_ReplacesTheWholeSet_ValidateOnlyWritesNothing()
    {
        using var controller = Opened(new QuorumController(new QuorumControllerOptions { NodeId = 1 }));
        await controller.AlterBrokerConfigsAsync("", [Set("log.retention.ms", "1"), Set("log.segment.bytes", "1048576")], true, false, Ct);

        await controller.AlterBrokerConfigsAsync("", [Set("log.segment.bytes", "2097152")], incremental: false, false, Ct);
        Assert.Equal(["log.segment.bytes"], controller.Current.BrokerConfigsOf("").Keys);

        var offset = controller.Current.Offset;
        Assert.Equal(ErrorCode.None, (await controller.AlterBrokerConfigsAsync("", [Set("log.retention.ms", "5")], true, validateOnly: true, Ct)).Error);
        Assert.Equal(offset, controller.Current.Offset);
    }

    [Theory]
    [InlineData("", "log.dirs", "/x", "Cannot update these configs dynamically: Set(log.dirs)")]
    [InlineData("", "log.retention.hours", "1", "Cannot update these configs dynamically: Set(log.retention.hours)")]
    [InlineData("1", "log.segment.bytes", "1", "Invalid value 1 for configuration log.segment.bytes: Value must be at least 14")]
    [InlineData("1", "log.cleanup.policy", "shred", "Invalid value shred for configuration log.cleanup.policy: String must be one of: compact, delete")]
    [InlineData("2", "log.retention.ms", "1", "Unexpected broker id, expected 1, but received 2")]
    [InlineData("x", "log.retention.ms", "1", "Node id must be an integer, but it is: x")]
    public async Task InvalidChanges_AreInvalidRequestsWithKafkasMessage(string resource, string name, string value, string message)
    {
        using var controller = Opened(new QuorumController(new QuorumControllerOptions { NodeId = 1 }));

        Assert.Equal((ErrorCode.InvalidRequest, message), await controller.AlterBrokerConfigsAsync(resource, [Set(name, value)], true, false, Ct));
        Assert.True(controller.Current.BrokerConfigs.IsEmpty);
    }

    [Fact]
    public async Task AppendAndSubtract_WorkOnListKeysOnly()
    {
        using var controller = Opened(new QuorumController(new QuorumControllerOptions { NodeId = 1 }));

        await controller.AlterBrokerConfigsAsync("", [new ConfigChange("log.cleanup.policy", ConfigOperation.Append, "compact")], true, false, Ct);
        Assert.Equal("delete,compact", controller.Current.BrokerConfigsOf("")["log.cleanup.policy"]);
        var refused = await controller.AlterBrokerConfigsAsync("", [new ConfigChange("log.retention.ms", ConfigOperation.Append, "1")], true, false, Ct);
        Assert.Equal(ErrorCode.InvalidRequest, refused.Error);
    }

    // The node's lifecycle opens the controller (replays the log) before anything alters it.
    private static QuorumController Opened(QuorumController controller)
    {
        controller.Open();
        return controller;
    }
}
