using Gregor.Broker.Dispatch;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Tests.Dispatch;

/// <summary>The response size hint only changes how the buffer is rented, never the bytes.</summary>
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
}
