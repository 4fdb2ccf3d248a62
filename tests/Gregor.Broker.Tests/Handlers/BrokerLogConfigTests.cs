using Gregor.Broker.Tests.Support;
using Gregor.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Tests.Handlers;

/// <summary>
/// The broker's log.* and gregor.* storage keys reach the LogManager that the data plane
/// actually runs with, not only BrokerConfig.
/// </summary>
public sealed class BrokerLogConfigTests
{
    // Regression: the data plane once built its LogConfig from a second mapping that knew only
    // "always", so gregor.flush.mode=group-commit silently left appends unsynced.
    [Fact]
    public async Task GroupCommitFlushMode_ReachesTheRunningLogManager()
    {
        await using var broker = await TestBroker.StartAsync(new Dictionary<string, string>
        {
            ["gregor.flush.mode"] = "group-commit",
            ["gregor.max.open.segment.files"] = "64",
            ["log.segment.bytes"] = "1048576",
        });

        var logs = broker.Services.GetRequiredService<LogManager>();

        Assert.Equal(FlushMode.GroupCommit, logs.Defaults.FlushMode);
        Assert.Equal(64, logs.Defaults.MaxOpenSegmentFiles);
        Assert.Equal(1048576, logs.Defaults.SegmentBytes);
    }
}
