namespace Gregor.Protocol;

/// <summary>
/// A topic name and partition number; names the partition's folder "&lt;topic&gt;-&lt;partition&gt;"
/// under the data directory, as Kafka does.
/// </summary>
public readonly record struct TopicPartition(string Topic, int Partition)
{
    /// <summary>The folder name of this partition: "orders-3".</summary>
    public string DirectoryName => $"{Topic}-{Partition}";

    /// <summary>
    /// Parses a folder name "&lt;topic&gt;-&lt;partition&gt;" (the topic may itself contain '-').
    /// Returns false for anything else, such as "orders-3.0a1b-delete".
    /// </summary>
    public static bool TryParseDirectoryName(string name, out TopicPartition tp)
    {
        tp = default;
        var dash = name.LastIndexOf('-');
        if (dash <= 0 || dash == name.Length - 1)
        {
            return false;
        }
        var number = name.AsSpan(dash + 1);
        foreach (var c in number)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        if (!int.TryParse(number, out var partition))
        {
            return false;
        }
        tp = new TopicPartition(name[..dash], partition);
        return true;
    }

    public override string ToString() => DirectoryName;
}
