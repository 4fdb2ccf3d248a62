using System.IO.Pipelines;
using Gregor.Broker.Dispatch;
using Gregor.Broker.Network;
using Gregor.Cluster.Partitions;
using Gregor.Protocol.Messages;
using Gregor.Storage;

namespace Gregor.Broker.Tests.Replication;

/// <summary>
/// Fetched batches stay file ranges until the response frame reads them into the transport pipe:
/// the frame's bytes are those of a copied frame, nothing materialises on the way, and ranges
/// stay valid while retention deletes their segment.
/// </summary>
public sealed class FetchedRecordsTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("gregor-fetched-");

    public void Dispose() => _dir.Delete(recursive: true);

    private PartitionLog OpenLog(long segmentBytes = 1L << 30) =>
        PartitionLog.Open(Path.Combine(_dir.FullName, "t-0"), new Gregor.Protocol.TopicPartition("t", 0), LogConfig.Default with { SegmentBytes = segmentBytes });

    private static async Task AppendAsync(PartitionLog log, int totalBytes)
    {
        var appended = 0;
        while (appended < totalBytes)
        {
            var batch = TestBatches.Create(recordCount: 4, valueSize: Math.Clamp((totalBytes - appended) / 4, 1, 4_000));
            await log.AppendAsLeaderAsync(batch, 0);
            appended += batch.Length;
        }
    }

    [Theory]
    [InlineData(4, 100)]          // v4: non-compact, copied into the frame
    [InlineData(4, 300_000)]      // v4: non-compact, read into the pipe, more than one write chunk
    [InlineData(12, 100)]         // v12: compact, copied
    [InlineData(12, 100_000)]     // v12: compact, read into the pipe
    [InlineData(16, 5_000)]       // v16: just above the splice threshold, tagged fields after it
    public async Task FileBackedFrame_IsByteIdenticalToACopiedOne(short version, int recordBytes)
    {
        // Small segments: the larger reads span several segment files (several ranges).
        using var log = OpenLog(segmentBytes: 64 * 1024);
        await AppendAsync(log, recordBytes);
        var half = log.LogEndOffset / 2;
        var first = FetchedRecords.FromFileRanges(log.Read(0, int.MaxValue, long.MaxValue));
        var second = FetchedRecords.FromFileRanges(log.Read(half, int.MaxValue, long.MaxValue));
        Assert.Equal(recordBytes > 64 * 1024, log.SegmentCount > 1);
        var firstCopy = ReadAll(log, 0);
        var secondCopy = ReadAll(log, half);

        using var copied = RequestDispatcher.EncodeResponse(21, ApiKey.Fetch, version, TwoPartitionFetch(firstCopy, secondCopy, version));
        using var owner = new Releaser(first, second);
        var fileBacked = RequestDispatcher.EncodeResponse(21, ApiKey.Fetch, version, TwoPartitionFetch(first.Memory, second.Memory, version), 0, owner);
        var written = await WrittenAsync(fileBacked);

        Assert.Equal(copied.Length, fileBacked.Length);
        Assert.Equal(copied.Bytes.ToArray(), written);
        // Spliced record sets were read into the pipe without materialising in a buffer.
        Assert.Equal(first.Length >= RequestDispatcher.SpliceMinimumBytes, first.IsFileBacked);
        fileBacked.Dispose();
        Assert.True(owner.Released);
    }

    [Fact]
    public async Task AFetchRacingRetention_StillWritesTheBatchesOfTheDeletedSegment()
    {
        using var log = OpenLog(segmentBytes: 16 * 1024);
        await AppendAsync(log, 64 * 1024);
        Assert.True(log.SegmentCount > 2);
        var expected = ReadAll(log, 0)[..log.Read(0, 1, long.MaxValue).TotalBytes];
        var fetched = FetchedRecords.FromFileRanges(log.Read(0, 1, long.MaxValue)); // the first segment's first batch
        var firstSegmentPath = Directory.GetFiles(Path.Combine(_dir.FullName, "t-0"), "00000000000000000000.log").Single();

        // Retention deletes the first segment between the read and the write, down to the unlink.
        log.DeleteRecordsBefore(log.SegmentBaseOffsets[1]);
        Assert.True(log.ApplyRetention() >= 0);
        Assert.False(File.Exists(firstSegmentPath));
        foreach (var deleted in Directory.GetFiles(Path.Combine(_dir.FullName, "t-0"), "*.deleted"))
        {
            File.Delete(deleted);
        }

        using var frame = RequestDispatcher.EncodeResponse(3, ApiKey.Fetch, 12, TwoPartitionFetch(fetched.Memory, ReadOnlyMemory<byte>.Empty, 12), 0, new Releaser(fetched));
        using var copied = RequestDispatcher.EncodeResponse(3, ApiKey.Fetch, 12, TwoPartitionFetch(expected, ReadOnlyMemory<byte>.Empty, 12));
        Assert.Equal(copied.Bytes.ToArray(), await WrittenAsync(frame));
    }

    [Fact]
    public async Task AFileTruncatedUnderTheRanges_FailsTheWriteWithAnIOException()
    {
        using var log = OpenLog();
        await AppendAsync(log, 20_000);
        var fetched = FetchedRecords.FromFileRanges(log.Read(0, int.MaxValue, long.MaxValue));
        var segment = Directory.GetFiles(Path.Combine(_dir.FullName, "t-0"), "*.log").Single();
        using (var file = new FileStream(segment, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
        {
            file.SetLength(100);
        }

        using var frame = RequestDispatcher.EncodeResponse(3, ApiKey.Fetch, 12, TwoPartitionFetch(fetched.Memory, ReadOnlyMemory<byte>.Empty, 12), 0, new Releaser(fetched));

        // The connection's write loop treats IOException as a transport error and closes: no short frame goes out.
        await Assert.ThrowsAsync<IOException>(() => WrittenAsync(frame));
    }

    private static byte[] ReadAll(PartitionLog log, long offset)
    {
        using var read = log.Read(offset, int.MaxValue, long.MaxValue);
        return read.ToArray();
    }

    private static FetchResponse TwoPartitionFetch(ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second, short version)
    {
        var other = new FetchResponse.PartitionData { PartitionIndex = 1, HighWatermark = 9, Records = second };
        if (version >= 12)
        {
            other.DivergingEpoch = new FetchResponse.EpochEndOffset { Epoch = 3, EndOffset = 5 };
        }
        return new FetchResponse
        {
            Responses =
            {
                new FetchResponse.FetchableTopicResponse
                {
                    Topic = "t",
                    TopicId = Guid.Parse("6f1d7c1e-0000-4000-8000-000000000002"),
                    Partitions = { new FetchResponse.PartitionData { PartitionIndex = 0, HighWatermark = 7, Records = first }, other },
                },
            },
        };
    }

    private static async Task<byte[]> WrittenAsync(ResponseFrame frame)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await frame.WriteToAsync(pipe.Writer, CancellationToken.None);
        await pipe.Writer.CompleteAsync();
        using var copy = new MemoryStream();
        await pipe.Reader.CopyToAsync(copy);
        return copy.ToArray();
    }

    private sealed class Releaser(params FetchedRecords[] records) : IDisposable
    {
        public bool Released { get; private set; }

        public void Dispose()
        {
            foreach (var r in records)
            {
                r.Release();
            }
            Released = true;
        }
    }
}
