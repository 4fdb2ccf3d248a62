using System.Text;
using Gregor.Cli.Client;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Records;

namespace Gregor.Cli;

/// <summary>
/// <c>gregor produce</c>: records from stdin (one per line) or <c>--value</c>, optionally keyed
/// (<c>--key</c>, or <c>--key-separator</c> splitting each line as kcat's <c>-K</c>) and with
/// headers (<c>--header K=V</c>), to a topic over Kafka's protocol (Produce v7, acks=all, sent
/// to each partition's leader). Without <c>--partition</c>, keyed records go where Java's
/// default partitioner puts them (murmur2 of the key) and unkeyed ones round-robin. Lines are
/// sent in batches of at most <see cref="MaxBatchRecords"/>. Stateless.
/// </summary>
internal static class ProduceCommand
{
    public const string Usage = """
        Usage: gregor produce --topic TOPIC [options] < records

        Reads one record per line from stdin (or one from --value) and produces it.

          --topic TOPIC                 the topic (must exist)
          --partition N                 this partition (default: murmur2 of the key, round-robin without)
          --key KEY                     the key of every record
          --key-separator SEP           split each line at the first SEP into key and value (kcat -K)
          --value VALUE                 produce this one record instead of reading stdin
          --header KEY=VALUE            a header on every record; repeatable
          --bootstrap-server HOST:PORT  (default 127.0.0.1:9092)   --output table|json   --timeout-ms N

        Exit codes: 0 produced, 1 bad arguments, 5 broker unreachable, 6 Kafka error, 7 topic not found.
        """;

    /// <summary>Records per produce request per partition: bounds the memory of a long stdin.</summary>
    public const int MaxBatchRecords = 1000;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader input, TextWriter output, CancellationToken cancellationToken)
    {
        var parsed = ClientArguments.Parse(args, ["--topic", "--partition", "--key", "--key-separator", "--value", "--header"], []);
        if (parsed.Help)
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return ClientExitCodes.Success;
        }
        parsed.ExpectPositionals(0);
        var topicName = parsed.Value("--topic") ?? throw new UsageException("produce needs --topic TOPIC");
        var fixedPartition = parsed.Value("--partition") is null ? (int?)null : parsed.Int("--partition", 0, min: 0);
        var separator = parsed.Value("--key-separator");
        if (separator is { Length: 0 })
        {
            throw new UsageException("--key-separator must not be empty");
        }
        var fixedKey = parsed.Value("--key");
        var headers = parsed.Pairs("--header").Select(h => RecordHeader.Create(h.Key, Encoding.UTF8.GetBytes(h.Value))).ToArray();
        var json = parsed.Json;

        await using var client = new KafkaClient(parsed.BootstrapServers, parsed.Timeout);
        var (metadata, topic) = await client.TopicAsync(topicName, cancellationToken).ConfigureAwait(false);
        var partitions = topic.Partitions.OrderBy(p => p.PartitionIndex).ToList();
        if (fixedPartition is { } chosen && chosen >= partitions.Count)
        {
            throw new KafkaClientException(ClientExitCodes.NotFound, $"topic \"{topicName}\" has {partitions.Count} partitions; there is no partition {chosen}");
        }
        var pending = new Dictionary<int, List<(byte[]? Key, byte[] Value)>>();
        var results = new List<(int Partition, long BaseOffset, int Records)>();
        var roundRobin = 0;

        async Task FlushAsync(int partition)
        {
            var records = pending[partition];
            using var builder = new RecordBatchBuilder();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var (key, value) in records)
            {
                builder.Append(now, key, value, headers);
            }
            var response = await client.SendToLeaderAsync<ProduceResponse>(metadata, partitions[partition], new ProduceRequest
            {
                Acks = -1,
                TimeoutMs = (int)parsed.Timeout.TotalMilliseconds,
                TopicData = [new ProduceRequest.TopicProduceData { Name = topicName, PartitionData = [new ProduceRequest.PartitionProduceData { Index = partition, Records = builder.ToArray() }] }],
            }, 7, cancellationToken).ConfigureAwait(false);
            var answer = response.Responses.SelectMany(t => t.PartitionResponses).Single();
            KafkaClient.Check(answer.ErrorCode, answer.ErrorMessage, $"cannot produce to {topicName}-{partition}");
            results.Add((partition, answer.BaseOffset, records.Count));
            records.Clear();
        }

        async Task AddAsync(byte[]? key, byte[] value)
        {
            var partition = fixedPartition ?? (key is null ? roundRobin++ % partitions.Count : Murmur2Partitioner.Partition(key, partitions.Count));
            if (!pending.TryGetValue(partition, out var list))
            {
                pending[partition] = list = [];
            }
            list.Add((key, value));
            if (list.Count >= MaxBatchRecords)
            {
                await FlushAsync(partition).ConfigureAwait(false);
            }
        }

        var keyBytes = fixedKey is null ? null : Encoding.UTF8.GetBytes(fixedKey);
        if (parsed.Value("--value") is { } single)
        {
            await AddAsync(keyBytes, Encoding.UTF8.GetBytes(single)).ConfigureAwait(false);
        }
        else
        {
            while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
            {
                if (separator is not null)
                {
                    var at = line.IndexOf(separator, StringComparison.Ordinal);
                    if (at < 0)
                    {
                        throw new UsageException($"line without the key separator \"{separator}\": {(line.Length > 60 ? line[..60] + "…" : line)}");
                    }
                    await AddAsync(Encoding.UTF8.GetBytes(line[..at]), Encoding.UTF8.GetBytes(line[(at + separator.Length)..])).ConfigureAwait(false);
                }
                else
                {
                    await AddAsync(keyBytes, Encoding.UTF8.GetBytes(line)).ConfigureAwait(false);
                }
            }
        }
        foreach (var partition in pending.Keys.Order().ToList())
        {
            if (pending[partition].Count > 0)
            {
                await FlushAsync(partition).ConfigureAwait(false);
            }
        }

        var total = results.Sum(r => r.Records);
        await output.WriteLineAsync(json
            ? OutputFormatter.Json(new { topic = topicName, records = total, batches = results.Select(r => new { partition = r.Partition, baseOffset = r.BaseOffset, records = r.Records }) })
            : $"produced {total} records to {topicName}" + (results.Count == 0 ? "" : ": " + string.Join(", ", results.Select(r => $"partition {r.Partition} offsets {r.BaseOffset}-{r.BaseOffset + r.Records - 1}")))).ConfigureAwait(false);
        return ClientExitCodes.Success;
    }
}
