using Gregor.Cluster.Configs;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;

namespace Gregor.Broker.Admin;

/// <summary>
/// What AlterConfigs and IncrementalAlterConfigs share: a resource named twice in one request is
/// refused; topic changes and dynamic broker configs (resource "" = cluster-wide default, or this
/// node's id) go to the controller, which validates and commits them as ConfigRecords.
/// Stateless.
/// </summary>
public static class ConfigAlterations
{
    /// <summary>The (type, name) pairs named more than once in a request.</summary>
    public static HashSet<(sbyte Type, string Name)> Duplicates(IEnumerable<(sbyte Type, string Name)> resources) =>
        resources.GroupBy(r => r).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet();

    /// <summary>Applies <paramref name="changes"/> to one resource; the error code and message for its response entry.</summary>
    public static async ValueTask<(ErrorCode Error, string? Message)> ApplyAsync(IController controller, sbyte resourceType, string resourceName,
        IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly, CancellationToken cancellationToken) =>
        (ConfigResourceType)resourceType switch
        {
            ConfigResourceType.Topic => await controller.AlterTopicConfigsAsync(resourceName, changes, incremental, validateOnly, cancellationToken).ConfigureAwait(false),
            ConfigResourceType.Broker => await controller.AlterBrokerConfigsAsync(resourceName, changes, incremental, validateOnly, cancellationToken).ConfigureAwait(false),
            _ => (ErrorCode.InvalidRequest, $"Unsupported resource type {resourceType}"),
        };

    public const string DuplicateResourceMessage = "Duplicate resource in request.";
}
