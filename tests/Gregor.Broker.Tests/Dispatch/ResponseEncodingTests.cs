using System.IO.Pipelines;
using Gregor.Broker.Dispatch;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Tests.Dispatch;

/// <summary>
/// The response size hint and splicing record sets by reference change how a frame is built,
/// never its bytes.
/// </summary>
public sealed class ResponseEncodingTests
{
    [Theory]
    [InlineData(16)]
    [InlineData(70_000)]
    [InlineData(1_000_000)]
    public void EncodeResponse_WithAnySizeHint_WritesTheSameFrameAsWithoutOne(int sizeHint)
    {
        var records = new byte[100_000];
        new Random(42).NextBytes(records);
        var response = new FetchResponse
        {
            Responses =
            {
                new FetchResponse.FetchableTopicResponse
                {
                    Topic = "t",
                    Partitions = { new FetchResponse.PartitionData { PartitionIndex = 3, HighWatermark = 7, Records = records } },
                },
            },
        };

        using var unhinted = RequestDispatcher.EncodeResponse(11, ApiKey.Fetch, 12, response);
        using var hinted = RequestDispatcher.EncodeResponse(11, ApiKey.Fetch, 12, response, sizeHint);

        Assert.True(unhinted.Length > records.Length);
        Assert.Equal(unhinted.Bytes.ToArray(), hinted.Bytes.ToArray());
    }

    [Theory]
    [InlineData(4, 100)]          // v4: non-compact, below the splice threshold
    [InlineData(4, 300_000)]      // v4: non-compact, spliced, more than one write chunk
    [InlineData(12, 100)]         // v12: compact, copied
    [InlineData(12, 100_000)]     // v12: compact, spliced
    [InlineData(16, 5_000)]       // v16: spliced just above the threshold, tagged fields after it
    public async Task SplicedFrame_PutsTheSameBytesOnTheWire_AsACopiedOne(short version, int recordBytes)
    {
        var response = TwoPartitionFetch(recordBytes, out _, divergingEpoch: version >= 12);
        using var copied = RequestDispatcher.EncodeResponse(21, ApiKey.Fetch, version, response);
        var owner = new TrackedOwner();
        using var spliced = RequestDispatcher.EncodeResponse(21, ApiKey.Fetch, version, response, 0, owner);

        Assert.Equal(copied.Length, spliced.Length);
        Assert.Equal(copied.Bytes.ToArray(), spliced.Bytes.ToArray());
        Assert.Equal(copied.Bytes.ToArray(), await WrittenAsync(spliced));
        Assert.False(owner.Disposed);
    }

    [Fact]
    public void SplicedFrame_OwnsTheRecordBuffers_UntilItIsDisposed()
    {
        var response = TwoPartitionFetch(50_000, out _);
        var owner = new TrackedOwner();
        var frame = RequestDispatcher.EncodeResponse(5, ApiKey.Fetch, 12, response, 0, owner);

        Assert.False(owner.Disposed);
        frame.Dispose();
        Assert.True(owner.Disposed);
    }

    [Fact]
    public void LargeRecordSets_AreNotCopiedIntoTheFrameBuffer()
    {
        var response = TwoPartitionFetch(200_000, out var records);
        using var writer = new Gregor.Protocol.Primitives.ProtocolWriter();
        writer.EnableSplicing(RequestDispatcher.SpliceMinimumBytes);

        Gregor.Protocol.Messages.MessageFraming.WriteResponse(writer, 1, ApiKey.Fetch, 12, response);

        Assert.Equal(2, writer.Splices.Count);
        Assert.True(writer.Length < 1_000, $"buffer holds {writer.Length} bytes");
        Assert.Equal(writer.Length + 2L * records.Length, writer.TotalLength);
        Assert.Equal(writer.TotalLength - 4, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(writer.WrittenSpan));
        Assert.True(writer.Splices[0].Bytes.Span.SequenceEqual(records));
    }

    private static FetchResponse TwoPartitionFetch(int recordBytes, out byte[] records, bool divergingEpoch = true)
    {
        records = new byte[recordBytes];
        new Random(recordBytes).NextBytes(records);
        var second = new FetchResponse.PartitionData { PartitionIndex = 1, HighWatermark = 9, Records = records };
        if (divergingEpoch)
        {
            // A tagged field after the spliced records (v12+).
            second.DivergingEpoch = new FetchResponse.EpochEndOffset { Epoch = 3, EndOffset = 5 };
        }
        return new FetchResponse
        {
            Responses =
            {
                new FetchResponse.FetchableTopicResponse
                {
                    Topic = "orders",
                    TopicId = Guid.Parse("6f1d7c1e-0000-4000-8000-000000000001"),
                    Partitions =
                    {
                        new FetchResponse.PartitionData { PartitionIndex = 0, HighWatermark = 7, Records = records },
                        second,
                    },
                },
            },
        };
    }

    private static async Task<byte[]> WrittenAsync(Gregor.Broker.Network.ResponseFrame frame)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0));
        await frame.WriteToAsync(pipe.Writer, CancellationToken.None);
        await pipe.Writer.CompleteAsync();
        using var copy = new MemoryStream();
        await pipe.Reader.CopyToAsync(copy);
        return copy.ToArray();
    }

    private sealed class TrackedOwner : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }
}
