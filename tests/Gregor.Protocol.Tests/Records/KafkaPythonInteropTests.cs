using System.Diagnostics;
using System.Text.Json;
using Gregor.Protocol.Records;

namespace Gregor.Protocol.Tests.Records;

/// <summary>
/// The other direction of the client fixtures: batches our builder writes, with every codec,
/// are read back by kafka-python 2.0.2's own batch reader (Fixtures/decode_batches.py).
/// Skipped with a message where Debian's python3-kafka and codec modules are not installed.
/// </summary>
public class KafkaPythonInteropTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public void KafkaPython_ReadsOurBatchesWithEveryCodec()
    {
        if (!File.Exists(Python))
        {
            Assert.Skip($"{Python} is not installed");
        }
        using var directory = new TempDirectory("interop");
        var codecs = Enum.GetValues<CompressionType>();
        var files = new List<string>();
        foreach (var codec in codecs)
        {
            using var builder = new RecordBatchBuilder
            {
                BaseOffset = 100,
                Compression = codec,
                ProducerId = codec == CompressionType.Zstd ? 4242 : -1,
                ProducerEpoch = (short)(codec == CompressionType.Zstd ? 1 : -1),
                BaseSequence = codec == CompressionType.Zstd ? 0 : -1,
                IsTransactional = codec == CompressionType.Zstd,
            };
            for (var i = 0; i < 200; i++)
            {
                builder.Append(1_700_000_000_000 + i, i == 0 ? null : System.Text.Encoding.UTF8.GetBytes($"key-{i}"),
                    i == 1 ? null : System.Text.Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat($"value-{i} ", 30))),
                    i % 7 == 0 ? [RecordHeader.Create("h", null), RecordHeader.Create("g", [1, 2])] : default);
            }
            var path = Path.Combine(directory.Path, $"{codec}.bin");
            File.WriteAllBytes(path, builder.ToArray());
            files.Add(path);
        }

        var (exitCode, output, error) = Run(Python, [Path.Combine(AppContext.BaseDirectory, "Fixtures", "decode_batches.py"), .. files]);
        if (exitCode == 3)
        {
            Assert.Skip(error.Trim());
        }
        Assert.True(exitCode == 0, $"decode_batches.py failed ({exitCode}): {error}");

        using var json = JsonDocument.Parse(output);
        var decoded = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(codecs.Length, decoded.Length);
        for (var c = 0; c < codecs.Length; c++)
        {
            var batch = decoded[c];
            Assert.True(batch.GetProperty("crcValid").GetBoolean());
            Assert.Equal((int)codecs[c], batch.GetProperty("codec").GetInt32());
            Assert.Equal(codecs[c] == CompressionType.Zstd, batch.GetProperty("isTransactional").GetBoolean());
            var records = batch.GetProperty("records").EnumerateArray().ToArray();
            Assert.Equal(200, records.Length);
            for (var i = 0; i < records.Length; i++)
            {
                var record = records[i];
                Assert.Equal(100 + i, record.GetProperty("offset").GetInt64());
                Assert.Equal(1_700_000_000_000 + i, record.GetProperty("timestamp").GetInt64());
                var key = record.GetProperty("key");
                Assert.Equal(i == 0 ? null : $"key-{i}", key.ValueKind == JsonValueKind.Null ? null : System.Text.Encoding.UTF8.GetString(key.GetBytesFromBase64()));
                Assert.Equal(i == 1, record.GetProperty("value").ValueKind == JsonValueKind.Null);
                Assert.Equal(i % 7 == 0 ? 2 : 0, record.GetProperty("headers").GetArrayLength());
            }
        }
    }

    private static (int ExitCode, string Output, string Error) Run(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("decode_batches.py did not finish within 60 s");
        }
        return (process.ExitCode, output.Result, error.Result);
    }
}
