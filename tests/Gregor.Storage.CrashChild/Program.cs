using System.Globalization;
using Gregor.Protocol;
using Gregor.Protocol.Records;
using Gregor.Storage;

// Usage: Gregor.Storage.CrashChild <partition-dir> <id-base>
// Appends batches of 1-3 records whose values are one unique id (id-base + n) from 4 concurrent
// appenders in group-commit mode, and prints "ack <firstOffset> <lastOffset> <id>" after each
// append completed (was fsynced). The crash test kills this process with SIGKILL at random
// moments and checks that every printed ack is in the log, in order, exactly once.
var directory = args[0];
var idBase = long.Parse(args[1], CultureInfo.InvariantCulture);
var config = LogConfig.Default with { FlushMode = FlushMode.GroupCommit, SegmentBytes = 16 * 1024, IndexIntervalBytes = 256 };
var log = PartitionLog.Open(directory, new TopicPartition("crash", 0), config);
var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
var outputLock = new Lock();
long next = 0;
lock (outputLock)
{
    output.WriteLine("ready");
}

var appenders = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
{
    var random = new Random(worker);
    while (true)
    {
        var id = idBase + Interlocked.Increment(ref next);
        var batch = BuildBatch(id, random.Next(1, 4));
        var result = await log.AppendAsLeaderAsync(batch, 0);
        lock (outputLock)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ack {result.FirstOffset} {result.LastOffset} {id}"));
        }
    }
})).ToArray();
await Task.WhenAll(appenders);

static byte[] BuildBatch(long id, int records)
{
    // Every record's value is the id (no key, no headers); the log assigns the offsets.
    var value = System.Text.Encoding.ASCII.GetBytes(id.ToString(CultureInfo.InvariantCulture));
    using var builder = new RecordBatchBuilder();
    var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    for (var i = 0; i < records; i++)
    {
        builder.Append(now, null, value);
    }
    return builder.ToArray();
}
