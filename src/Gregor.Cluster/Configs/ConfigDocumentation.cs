using System.Text;

namespace Gregor.Cluster.Configs;

/// <summary>
/// Renders docs/configuration.md from the catalogue, so the page cannot drift from the code: a
/// test regenerates it in memory and fails when the committed page differs. Stateless.
/// </summary>
public static class ConfigDocumentation
{
    /// <summary>How to rewrite the committed page after changing the catalogue.</summary>
    public const string RegenerateCommand = "GREGOR_WRITE_DOCS=1 dotnet test tests/Gregor.Cluster.Tests --filter FullyQualifiedName~ConfigurationDoc";

    private const string Intro = """
        # Configuration

        <!-- Generated from src/Gregor.Cluster/Configs (BrokerConfigKeys, TopicConfigKeys) by
             ConfigDocumentation; do not edit by hand. Regenerate with:
             {0} -->

        Every key is defined once, in `src/Gregor.Cluster/Configs/BrokerConfigKeys.cs` (broker) and
        `TopicConfigKeys.cs` (topic): name, type, default, validator, scope, documentation. The typed
        `BrokerConfig`, the storage `LogConfig`, produce limits, DescribeConfigs and this page are
        derived from them.

        `gregor serve` reads Kafka's `server.properties` format and key names. Sources, later wins:

        1. `--config FILE` — `java.util.Properties` syntax: `key=value`, `key: value` or `key value`;
           `#` and `!` comment lines; a line ending in `\` continues on the next; escapes `\t \n \r \f
           \uXXXX`, and `\=`, `\:`, `\ ` inside keys. Read as UTF-8.
        2. Command-line options: `--listen` → `listeners`, `--advertised-listener` →
           `advertised.listeners`, `--data-dir` → `log.dirs`, `--node-id` → `node.id`.
        3. `--override key=value`, repeatable (as Kafka's `kafka-server-start.sh --override`).

        A value of the wrong type or out of range stops the broker with exit code 1 and a message in
        Kafka's words: `Invalid value abc for configuration num.partitions: Not a number of type INT`.
        Keys Gregor does not know are kept (logged at debug), as Kafka does.

        Listener addresses are `HOST:PORT` or Kafka's `NAME://HOST:PORT` (name defaults to PLAINTEXT;
        IPv6 as `[::1]:9092`; an empty host or `0.0.0.0` binds every interface). Port 0 picks a free
        port; the ready line and Metadata show the real one.

        ## Dynamic broker configs

        Keys whose update mode is `cluster-wide` can also be changed at runtime with AlterConfigs /
        IncrementalAlterConfigs on a BROKER resource (`kafka-configs --entity-type brokers`): for
        every broker (the default entity, resource name `""`) or for one broker (its id). They are
        stored as ConfigRecords in the metadata log, so they survive restarts, and applied live: a
        changed `log.*` default or `message.max.bytes` reaches every topic without its own override.
        Precedence, most specific first (DescribeConfigs reports it as the source): the topic's
        override (DYNAMIC_TOPIC_CONFIG), the broker's own dynamic value (DYNAMIC_BROKER_CONFIG), the
        cluster-wide dynamic default (DYNAMIC_DEFAULT_BROKER_CONFIG), the static file value
        (STATIC_BROKER_CONFIG), the default (DEFAULT_CONFIG). A `read-only` key is refused with
        INVALID_REQUEST and Kafka's `Cannot update these configs dynamically: Set(key)`.

        """;

    public static string RenderMarkdown()
    {
        var text = new StringBuilder();
        text.Append(string.Format(System.Globalization.CultureInfo.InvariantCulture, Intro, RegenerateCommand).ReplaceLineEndings("\n"));
        text.Append("\n## Broker keys\n\n");
        text.Append("| key | type | default | valid values | update mode | importance | description |\n");
        text.Append("|---|---|---|---|---|---|---|\n");
        foreach (var key in BrokerConfigKeys.All)
        {
            var mode = key.Scope switch
            {
                ConfigScope.ClusterWide => "cluster-wide",
                ConfigScope.PerBroker => "per-broker",
                _ => "read-only",
            };
            var topic = ConfigCatalogue.TopicKeyFor(key.Name) is { } t ? $" Topic config: `{t.Name}`." : "";
            var synonyms = key.Synonyms.Count > 0 ? $" Falls back to {string.Join(", then ", key.Synonyms.Select(s => $"`{s.Name}`"))}." : "";
            text.Append($"| `{key.Name}` | {Type(key)} | {Default(key)} | {Valid(key)} | {mode} | {Importance(key)} | {key.Documentation}{synonyms}{topic} |\n");
        }
        text.Append("\n## Topic keys\n\n");
        text.Append("Set per topic with CreateTopics / AlterConfigs / IncrementalAlterConfigs; the broker key supplies the default.\n\n");
        text.Append("| key | type | default | valid values | broker key | importance | description |\n");
        text.Append("|---|---|---|---|---|---|---|\n");
        foreach (var key in TopicConfigKeys.All)
        {
            var broker = key.BrokerSynonym is { } b ? $"`{b}`" : "—";
            text.Append($"| `{key.Name}` | {Type(key)} | {Default(key)} | {Valid(key)} | {broker} | {Importance(key)} | {key.Documentation} |\n");
        }
        text.Append("\n## Group keys\n\n");
        text.Append("Set per share group with IncrementalAlterConfigs on resource type GROUP (32); the broker key supplies the default.\n\n");
        text.Append("| key | type | default | valid values | broker key | importance | description |\n");
        text.Append("|---|---|---|---|---|---|---|\n");
        foreach (var key in GroupConfigKeys.All)
        {
            var broker = key.BrokerSynonym is { } b ? $"`{b}`" : "—";
            text.Append($"| `{key.Name}` | {Type(key)} | {Default(key)} | {Valid(key)} | {broker} | {Importance(key)} | {key.Documentation} |\n");
        }
        text.Append("""

            In code: `Gregor.Cluster.Configs.ConfigCatalogue` finds any key by name (`FindBroker`, `FindTopic`),
            validates values with Kafka's messages and resolves synonyms; `Gregor.Broker.Config.BrokerConfig`
            gives typed properties over the static values; `EffectiveConfigs` layers the dynamic broker configs of
            the metadata image over them; `LogConfigFactory` builds the storage `LogConfig`.

            """.ReplaceLineEndings("\n"));
        return text.ToString();
    }

    private static string Type(ConfigKey key) => key.Type.ToString().ToLowerInvariant();

    private static string Default(ConfigKey key) => key.Default switch
    {
        null => "null",
        "" => "\"\"",
        var d => $"`{d}`",
    };

    private static string Valid(ConfigKey key) => key.Validator.Description.Length == 0 ? "" : $"`{key.Validator.Description}`";

    private static string Importance(ConfigKey key) => key.Importance.ToString().ToLowerInvariant();
}
