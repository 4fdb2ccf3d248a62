using System.Collections.Immutable;
using System.Globalization;
using Gregor.Cluster.Configs;
using Gregor.Cluster.Records;
using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller.Core;

/// <summary>Dynamic broker configs (KIP-226): validated as Kafka's DynamicBrokerConfig, committed as BROKER ConfigRecords.</summary>
public sealed partial class ControllerCore
{
    /// <summary>
    /// Changes the dynamic configs of a BROKER resource: "" (every broker's default) or a broker
    /// id. Incremental applies SET/DELETE/APPEND/SUBTRACT to the resource's current dynamic
    /// configs; otherwise (legacy AlterConfigs) the changes replace them all. The resulting set is
    /// validated as a whole, as Kafka does, and refused with INVALID_REQUEST and Kafka's message.
    /// </summary>
    public void AlterBrokerConfigs(string resourceName, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly,
        Action<(ErrorCode Error, string? Message)> reply) =>
        Write(reply, Failed, () => AlterBrokerConfigRecords(resourceName, changes, incremental, validateOnly));

    private (IReadOnlyList<MetadataRecord>, (ErrorCode, string?)) AlterBrokerConfigRecords(
        string resourceName, IReadOnlyList<ConfigChange> changes, bool incremental, bool validateOnly)
    {
        if (resourceName.Length > 0 && !int.TryParse(resourceName, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.InvalidRequest, $"Node id must be an integer, but it is: {resourceName}"));
        }
        if (changes.Select(c => c.Name).Distinct(StringComparer.Ordinal).Count() != changes.Count)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.InvalidRequest, "Error due to duplicate config keys"));
        }
        var nulls = changes.Where(c => c.Operation != ConfigOperation.Delete && c.Value is null).Select(c => c.Name).ToList();
        if (nulls.Count > 0)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.InvalidRequest, $"Null value not supported for : {string.Join(", ", nulls)}"));
        }
        var existing = _latest.BrokerConfigsOf(resourceName);
        var (updated, applyError) = ApplyBrokerChanges(existing, changes, incremental);
        if (applyError is not null)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.InvalidRequest, applyError));
        }
        if (ValidateDynamicBrokerConfigs(updated!, perBroker: resourceName.Length > 0) is { } invalid)
        {
            return Reply<(ErrorCode, string?)>((ErrorCode.InvalidRequest, invalid));
        }
        var records = new List<MetadataRecord>();
        foreach (var (name, value) in updated!.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (!existing.TryGetValue(name, out var old) || old != value)
            {
                records.Add(new ConfigRecord(ConfigRecord.BrokerResource, resourceName, name, value));
            }
        }
        foreach (var name in existing.Keys.Where(k => !updated!.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            records.Add(new ConfigRecord(ConfigRecord.BrokerResource, resourceName, name, null));
        }
        return validateOnly ? Reply<(ErrorCode, string?)>((ErrorCode.None, null)) : (records, (ErrorCode.None, null));
    }

    private static (Dictionary<string, string>? Updated, string? Error) ApplyBrokerChanges(
        ImmutableDictionary<string, string> current, IReadOnlyList<ConfigChange> changes, bool incremental)
    {
        var updated = incremental
            ? new Dictionary<string, string>(current, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            switch (change.Operation)
            {
                case ConfigOperation.Set:
                    updated[change.Name] = change.Value!.Trim();
                    break;
                case ConfigOperation.Delete:
                    updated.Remove(change.Name);
                    break;
                case ConfigOperation.Append or ConfigOperation.Subtract:
                    var key = ConfigCatalogue.FindBroker(change.Name);
                    if (key?.Type != ConfigType.List)
                    {
                        return (null, $"Config value append is not allowed for config key: {change.Name}");
                    }
                    updated[change.Name] = ConfigCatalogue.ApplyListOperation(
                        updated.GetValueOrDefault(change.Name) ?? key.Default ?? "", change.Operation, change.Value);
                    break;
                default:
                    return (null, $"Unknown operations type {(sbyte)change.Operation}");
            }
        }
        return (updated, null);
    }

    /// <summary>
    /// Kafka's DynamicBrokerConfig.validateConfigs over the resource's whole dynamic set: keys
    /// that are read-only, values of the wrong type or range, per-broker keys at the cluster
    /// default. Keys the catalogue does not know are kept, as Kafka keeps custom configs.
    /// </summary>
    internal static string? ValidateDynamicBrokerConfigs(IReadOnlyDictionary<string, string> configs, bool perBroker)
    {
        var readOnly = configs.Keys.Where(k => ConfigCatalogue.FindBroker(k) is { IsDynamic: false }).Order(StringComparer.Ordinal).ToList();
        if (readOnly.Count > 0)
        {
            return $"Cannot update these configs dynamically: Set({string.Join(", ", readOnly)})";
        }
        foreach (var (name, value) in configs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (ConfigCatalogue.FindBroker(name)?.Validate(value) is { } error)
            {
                return error;
            }
        }
        var perBrokerOnly = configs.Keys.Where(k => ConfigCatalogue.FindBroker(k) is { Scope: ConfigScope.PerBroker }).Order(StringComparer.Ordinal).ToList();
        return !perBroker && perBrokerOnly.Count > 0
            ? $"Cannot update these configs at default cluster level, broker id must be specified: Set({string.Join(", ", perBrokerOnly)})"
            : null;
    }
}
