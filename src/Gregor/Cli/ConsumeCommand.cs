using System.Text;
using Gregor.Cli.Client;
using Gregor.Protocol;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Records;

namespace Gregor.Cli;

/// <summary>
/// <c>gregor consume</c>, kcat-like: reads a topic's partitions (or one) from an offset with
/// Fetch v11 to each leader, prints each record through a kcat <c>-f</c>-style format (or one
/// JSON object per line with <c>--output json</c>), and stops at the end of the log as it was
/// when consuming started (kcat <c>-e</c>), after <c>--count</c> records, or — with
/// <c>--follow</c> — only at <c>--count</c> or Ctrl-C. Not a group member: it commits nothing.
/// </summary>
internal static class ConsumeCommand
{
    public const string Usage = """
        Usage: gregor consume --topic TOPIC [options]

          --topic TOPIC                 the topic (must exist)
          --partition N                 only this partition (default: all)
          --offset beginning|end|N      where to start in each partition (default beginning)
          --count N                     stop after N records
          --follow                      keep waiting for new records (until --count or Ctrl-C)
          --format FORMAT               kcat-style: %t topic, %p partition, %o offset, %T timestamp (ms),
                                        %k key, %v value, %h headers (k=v,…), %K/%S key/value length,
                                        \n \t; default "%v\n"
          --encoding text|hex|base64    how keys, values and header values are shown (default text: UTF-8)
          --bootstrap-server HOST:PORT  (default 127.0.0.1:9092)   --output table|json   --timeout-ms N

        Exit codes: 0 done, 1 bad arguments, 5 broker unreachable, 6 Kafka error, 7 topic or partition not found.
        """;

    /// <summary>Bytes asked per partition per fetch: bounds memory while reading large logs.</summary>
    private const int PartitionMaxBytes = 1 << 20;

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var parsed = ClientArguments.Parse(args, ["--topic", "--partition", "--offset", "--count", "--format", "--encoding"], ["--follow"]);
        if (parsed.Help)
        {
            await output.WriteLineAsync(Usage).ConfigureAwait(false);
            return ClientExitCodes.Success;
        }
        parsed.ExpectPositionals(0);
        var topicName = parsed.Value("--topic") ?? throw new UsageException("consume needs --topic TOPIC");
        var only = parsed.Value("--partition") is null ? (int?)null : parsed.Int("--partition", 0, min: 0);
        var count = parsed.Value("--count") is null ? long.MaxValue : parsed.Int("--count", 0, min: 1);
        var follow = parsed.Flag("--follow");
        var format = Unescape(parsed.Value("--format") ?? "%v\\n");
        var encoding = parsed.Value("--encoding") ?? "text";
        if (encoding is not ("text" or "hex" or "base64"))
        {
            throw new UsageException($"--encoding must be text, hex or base64, got \"{encoding}\"");
        }
        var startAt = parsed.Value("--offset") ?? "beginning";
        long? absolute = startAt is "beginning" or "end" ? null
            : long.TryParse(startAt, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n
            : throw new UsageException($"--offset must be beginning, end or an offset, got \"{startAt}\"");
        var json = parsed.Json;

        await using var client = new KafkaClient(parsed.BootstrapServers, parsed.Timeout);
        var (metadata, topic) = await client.TopicAsync(topicName, cancellationToken).ConfigureAwait(false);
        var partitions = topic.Partitions.Where(p => only is null || p.PartitionIndex == only).OrderBy(p => p.PartitionIndex).ToList();
        if (partitions.Count == 0)
        {
            throw new KafkaClientException(ClientExitCodes.NotFound, $"topic \"{topicName}\" has no partition {only}");
        }
        var positions = new Dictionary<int, long>();
        var ends = new Dictionary<int, long>();
        foreach (var partition in partitions)
        {
            var end = await TopicsCommand.OffsetAsync(client, metadata, topicName, partition, -1, cancellationToken).ConfigureAwait(false) ?? 0;
            var start = await TopicsCommand.OffsetAsync(client, metadata, topicName, partition, -2, cancellationToken).ConfigureAwait(false) ?? 0;
            ends[partition.PartitionIndex] = end;
            positions[partition.PartitionIndex] = startAt == "end" ? end : Math.Clamp(absolute ?? start, start, end);
        }

        long printed = 0;
        var text = new StringBuilder();
        try
        {
            while (printed < count)
            {
                var active = partitions.Where(p => follow || positions[p.PartitionIndex] < ends[p.PartitionIndex]).ToList();
                if (active.Count == 0)
                {
                    break;
                }
                var progressed = false;
                foreach (var partition in active)
                {
                    var response = await client.SendToLeaderAsync<FetchResponse>(metadata, partition, new FetchRequest
                    {
                        ReplicaId = -1,
                        MaxWaitMs = follow ? 500 : 0,
                        MinBytes = 1,
                        MaxBytes = PartitionMaxBytes,
                        Topics = [new FetchRequest.FetchTopic { Topic = topicName, Partitions = [new FetchRequest.FetchPartition { Partition = partition.PartitionIndex, FetchOffset = positions[partition.PartitionIndex], PartitionMaxBytes = PartitionMaxBytes }] }],
                    }, 11, cancellationToken).ConfigureAwait(false);
                    var data = response.Responses.SelectMany(t => t.Partitions).Single();
                    KafkaClient.Check(data.ErrorCode, null, $"cannot fetch {topicName}-{partition.PartitionIndex} at offset {positions[partition.PartitionIndex]}");
                    if (data.Records is not { Length: > 0 } records)
                    {
                        continue;
                    }
                    var batches = new RecordBatchIterator(records);
                    while (batches.MoveNext() && printed < count)
                    {
                        var batch = batches.Current;
                        if (batch.Header.IsControl)
                        {
                            positions[partition.PartitionIndex] = batch.Header.LastOffset + 1;
                            progressed = true;
                            continue;
                        }
                        using var opened = batch.OpenRecords();
                        foreach (var record in opened)
                        {
                            if (record.Offset < positions[partition.PartitionIndex] || printed >= count)
                            {
                                continue;
                            }
                            text.Clear();
                            if (json)
                            {
                                text.Append(OutputFormatter.Json(new
                                {
                                    topic = topicName,
                                    partition = partition.PartitionIndex,
                                    offset = record.Offset,
                                    timestamp = record.Timestamp,
                                    key = record.IsKeyNull ? null : Encode(record.Key.Span, encoding),
                                    value = record.IsValueNull ? null : Encode(record.Value.Span, encoding),
                                    headers = Headers(record, encoding),
                                })).Append('\n');
                            }
                            else
                            {
                                Format(text, format, topicName, partition.PartitionIndex, record, encoding);
                            }
                            await output.WriteAsync(text, cancellationToken).ConfigureAwait(false);
                            positions[partition.PartitionIndex] = record.Offset + 1;
                            printed++;
                            progressed = true;
                        }
                        if (printed < count)
                        {
                            positions[partition.PartitionIndex] = Math.Max(positions[partition.PartitionIndex], batch.Header.LastOffset + 1);
                        }
                    }
                }
                if (!progressed && !follow)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl-C ends a --follow: what was printed is the result.
        }
        catch (ProtocolException e)
        {
            throw new KafkaClientException(ClientExitCodes.KafkaError, $"a record batch of {topicName} does not parse: {e.Message}");
        }
        await output.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        return ClientExitCodes.Success;
    }

    private static Dictionary<string, string?> Headers(in Record record, string encoding)
    {
        var headers = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var header in record.Headers)
        {
            headers[header.KeyString] = header.IsValueNull ? null : Encode(header.Value.Span, encoding);
        }
        return headers;
    }

    private static void Format(StringBuilder text, string format, string topic, int partition, in Record record, string encoding)
    {
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                text.Append(format[i]);
                continue;
            }
            var token = format[++i];
            switch (token)
            {
                case 't': text.Append(topic); break;
                case 'p': text.Append(partition); break;
                case 'o': text.Append(record.Offset); break;
                case 'T': text.Append(record.Timestamp); break;
                case 'k': text.Append(record.IsKeyNull ? "" : Encode(record.Key.Span, encoding)); break;
                case 'v': text.Append(record.IsValueNull ? "" : Encode(record.Value.Span, encoding)); break;
                case 'K': text.Append(record.IsKeyNull ? -1 : record.Key.Length); break;
                case 'S': text.Append(record.IsValueNull ? -1 : record.Value.Length); break;
                case 'h': text.AppendJoin(',', Headers(record, encoding).Select(h => $"{h.Key}={h.Value}")); break;
                case '%': text.Append('%'); break;
                default: text.Append('%').Append(token); break;
            }
        }
    }

    private static string Encode(ReadOnlySpan<byte> bytes, string encoding) => encoding switch
    {
        "hex" => Convert.ToHexStringLower(bytes),
        "base64" => Convert.ToBase64String(bytes),
        _ => Encoding.UTF8.GetString(bytes),
    };

    private static string Unescape(string format) => format.Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\t", "\t", StringComparison.Ordinal);
}
