using System.Globalization;
using System.Text.Json;
using Gregor.Cluster.Raft;
using Gregor.Storage.Segments;

namespace Gregor.Broker.Quorum;

/// <summary>
/// Kafka's <c>quorum-state</c> file in the metadata partition's directory, as Kafka's
/// FileQuorumStateStore writes it (QuorumStateData v1 as JSON plus <c>data_version</c>):
/// <code>{"leaderId":2,"leaderEpoch":7,"votedId":2,"votedDirectoryId":"AAAAAAAAAAAAAAAAAAAAAA","data_version":1}</code>
/// <see cref="Write"/> is durable when it returns (temp file, fsync, rename, directory fsync), so
/// a vote or epoch it records survives a crash before the reply that depends on it goes out.
/// A file of data_version 0 (Kafka 3.x) is read too. Not thread-safe: the Raft thread uses it.
/// </summary>
public sealed class FileQuorumStateStore(string partitionDirectory) : IQuorumStateStore
{
    public const string FileName = "quorum-state";

    public string Path { get; } = System.IO.Path.Combine(partitionDirectory, FileName);

    public QuorumStateData? Read()
    {
        if (!File.Exists(Path))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(Path));
            var root = document.RootElement;
            var directoryId = Guid.Empty;
            if (root.TryGetProperty("votedDirectoryId", out var dir) && dir.ValueKind == JsonValueKind.String
                && !KafkaUuid.TryParse(dir.GetString(), out directoryId))
            {
                throw new InvalidDataException($"{Path}: votedDirectoryId {dir.GetString()} is not a UUID");
            }
            return new QuorumStateData(
                Int(root, "leaderEpoch", -1),
                Int(root, "leaderId", -1),
                Int(root, "votedId", -1),
                directoryId,
                (short)Int(root, "data_version", 0));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Path} is not valid JSON: {e.Message}", e);
        }
    }

    public void Write(QuorumStateData state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var json = string.Create(CultureInfo.InvariantCulture,
            $"{{\"leaderId\":{state.LeaderId},\"leaderEpoch\":{state.LeaderEpoch},\"votedId\":{state.VotedId},\"votedDirectoryId\":\"{KafkaUuid.ToText(state.VotedDirectoryId)}\",\"data_version\":1}}");
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        DurableFile.WriteAllText(Path, json);
    }

    private static int Int(JsonElement root, string name, int missing) =>
        root.TryGetProperty(name, out var value) && value.TryGetInt32(out var number) ? number : missing;
}
