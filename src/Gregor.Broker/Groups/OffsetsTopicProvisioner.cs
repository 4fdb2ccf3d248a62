using System.Globalization;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Microsoft.Extensions.DependencyInjection;

namespace Gregor.Broker.Groups;

/// <summary>
/// Creates the internal compacted topic <c>__consumer_offsets</c> on first use (FindCoordinator),
/// as Kafka does: offsets.topic.num.partitions partitions, offsets.topic.replication.factor,
/// cleanup.policy=compact, through the <see cref="IController"/>. When the broker runs
/// without a controller (coordinator on an in-memory log) there is nothing to create.
/// Thread-safe: concurrent first uses create it once.
/// </summary>
public sealed class OffsetsTopicProvisioner(IServiceProvider services, GroupCoordinatorOptions options)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IController? Controller => services.GetService<IController>();

    /// <summary>NONE once the topic exists; COORDINATOR_NOT_AVAILABLE when it could not be created.</summary>
    public async Task<ErrorCode> EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var controller = Controller;
        if (controller is null || controller.Current.Topic(GroupCoordinatorOptions.OffsetsTopicName) is not null)
        {
            return ErrorCode.None;
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (controller.Current.Topic(GroupCoordinatorOptions.OffsetsTopicName) is not null)
            {
                return ErrorCode.None;
            }
            var spec = new CreateTopicSpec(
                GroupCoordinatorOptions.OffsetsTopicName,
                options.OffsetsTopicPartitions,
                TopicNames.OffsetsTopicReplicationFactor(options.OffsetsTopicReplicationFactor, controller.Current),
                new Dictionary<string, string?>
                {
                    ["cleanup.policy"] = "compact",
                    ["compression.type"] = "producer",
                    ["segment.bytes"] = options.OffsetsTopicSegmentBytes.ToString(CultureInfo.InvariantCulture),
                });
            var outcome = await controller.CreateTopicAsync(spec, validateOnly: false, cancellationToken).ConfigureAwait(false);
            return outcome.Error is ErrorCode.None or ErrorCode.TopicAlreadyExists ? ErrorCode.None : ErrorCode.CoordinatorNotAvailable;
        }
        finally
        {
            _gate.Release();
        }
    }
}
