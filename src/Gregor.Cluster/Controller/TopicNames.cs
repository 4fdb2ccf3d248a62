namespace Gregor.Cluster.Controller;

/// <summary>
/// Kafka's topic-name rules (org.apache.kafka.common.internals.Topic): legal characters
/// [a-zA-Z0-9._-], at most 249 characters, not "." or "..", and no two topics whose names differ
/// only by '.' versus '_' (they collide in metric names). Stateless.
/// </summary>
public static class TopicNames
{
    public const int MaxLength = 249;
    public const string ConsumerOffsets = "__consumer_offsets";
    public const string TransactionState = "__transaction_state";
    public const string ShareGroupState = "__share_group_state";

    /// <summary>Returns the INVALID_TOPIC_EXCEPTION message for an illegal name, or null when legal.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "Topic name is illegal, it can't be empty";
        }
        if (name is "." or "..")
        {
            return "Topic name cannot be \".\" or \"..\"";
        }
        if (name.Length > MaxLength)
        {
            return $"Topic name is illegal, it can't be longer than {MaxLength} characters, topic name: {name}";
        }
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            {
                return $"Topic name \"{name}\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'";
            }
        }
        return null;
    }

    /// <summary>The name with '.' replaced by '_': two topics collide when these are equal.</summary>
    public static string Unify(string name) => name.Replace('.', '_');

    public static bool HasCollisionChars(string name) => name.Contains('.') || name.Contains('_');

    public static bool IsInternal(string name) => name is ConsumerOffsets or TransactionState or ShareGroupState;

    /// <summary>
    /// The replication factor __consumer_offsets is created with: offsets.topic.replication.factor
    /// (Kafka's 3), reduced to the number of registered brokers when fewer exist — so a single node
    /// (or a smaller cluster) still gets the topic, with as many replicas as it can hold.
    /// </summary>
    public static short OffsetsTopicReplicationFactor(short configured, Metadata.MetadataImage image) =>
        (short)Math.Max(1, Math.Min(configured, image.Brokers.Count));
}
