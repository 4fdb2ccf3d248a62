using Gregor.Protocol.Records;

namespace Gregor.Protocol.Tests.Records;

public class RecordIterationAllocationTests
{
    [Fact]
    public void IteratingTenThousandUncompressedRecords_AllocatesNothingPerRecord()
    {
        using var builder = new RecordBatchBuilder();
        var key = new byte[16];
        var value = new byte[100];
        RecordHeader[] headers = [RecordHeader.Create("trace-id", [1, 2, 3, 4]), RecordHeader.Create("null", null)];
        for (var i = 0; i < 10_000; i++)
        {
            builder.Append(1_700_000_000_000 + i, key, value, headers);
        }
        var batch = RecordBatch.Read(builder.ToArray());

        Consume(batch); // warm up: JIT and tiering must not be counted
        var before = GC.GetAllocatedBytesForCurrentThread();
        var (records, bytes) = Consume(batch);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(10_000, records);
        Assert.Equal(10_000 * (16 + 100 + 4), bytes);
        Assert.True(allocated < 1_000, $"iterating 10,000 records allocated {allocated} bytes");
    }

    [Fact]
    public void IteratingRecordsOfACompressedBatch_AllocatesNothingPerRecordBeyondDecompression()
    {
        using var builder = new RecordBatchBuilder { Compression = CompressionType.Lz4 };
        for (var i = 0; i < 10_000; i++)
        {
            builder.Append(i, null, new byte[50]);
        }
        var batch = RecordBatch.Read(builder.ToArray());
        Consume(batch);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Consume(batch);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // The decompression buffer comes from the shared pool (returned on dispose), so a warm
        // second pass allocates only small per-batch bookkeeping, never per record.
        Assert.True(allocated < 10_000, $"iterating 10,000 lz4 records allocated {allocated} bytes");
    }

    private static (int Records, long Bytes) Consume(RecordBatch batch)
    {
        var count = 0;
        long bytes = 0;
        using var records = batch.OpenRecords();
        foreach (var record in records)
        {
            count++;
            bytes += record.Key.Length + record.Value.Length;
            foreach (var header in record.Headers)
            {
                bytes += header.Value.Length;
            }
        }
        return (count, bytes);
    }
}
