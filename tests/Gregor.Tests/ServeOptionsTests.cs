using Gregor.Cli;

namespace Gregor.Tests;

/// <summary>Command-line parsing of <c>gregor serve</c> and how options map to config keys.</summary>
public sealed class ServeOptionsTests
{
    [Fact]
    public void Parse_NoArguments_LeavesEverythingToConfigDefaults()
    {
        var options = ServeOptions.Parse([]);

        Assert.Empty(options.ToConfigValues(_ => throw new InvalidOperationException("no file")));
    }

    [Fact]
    public void Parse_EachOption_MapsToItsKafkaKey()
    {
        var options = ServeOptions.Parse(
            ["--listen", "0.0.0.0:9093", "--advertised-listener=kafka.example:9093", "--data-dir", "/d", "--node-id", "3"]);

        var values = options.ToConfigValues(_ => throw new InvalidOperationException("no file"));

        Assert.Equal("0.0.0.0:9093", values["listeners"]);
        Assert.Equal("kafka.example:9093", values["advertised.listeners"]);
        Assert.Equal("/d", values["log.dirs"]);
        Assert.Equal("3", values["node.id"]);
    }

    [Fact]
    public void ToConfigValues_FileThenOptionsThenOverrides()
    {
        var options = ServeOptions.Parse(
            ["--config", "server.properties", "--node-id", "2", "--override", "node.id=9", "--override", "log.dirs=/o", "--override", "x.y=a=b"]);

        var values = options.ToConfigValues(path => new Dictionary<string, string>
        {
            ["node.id"] = "1",
            ["log.dirs"] = "/file",
            ["num.partitions"] = "4",
            ["source"] = path,
        });

        Assert.Equal("9", values["node.id"]);
        Assert.Equal("/o", values["log.dirs"]);
        Assert.Equal("4", values["num.partitions"]);
        Assert.Equal("server.properties", values["source"]);
        Assert.Equal("a=b", values["x.y"]);
    }

    [Theory]
    [InlineData("--listen")]
    [InlineData("--bogus")]
    [InlineData("--override", "=value")]
    public void Parse_BadCommandLine_Throws(params string[] args)
    {
        Assert.Throws<UsageException>(() => ServeOptions.Parse(args));
    }

    [Fact]
    public void Parse_Help_IsRecognised()
    {
        Assert.True(ServeOptions.Parse(["--node-id", "1", "-h"]).Help);
    }
}
