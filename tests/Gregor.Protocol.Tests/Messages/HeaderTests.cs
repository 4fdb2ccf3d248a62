using System.Buffers.Binary;
using Gregor.Protocol.Messages;
using Gregor.Protocol.Primitives;

namespace Gregor.Protocol.Tests.Messages;

/// <summary>Request and response headers, header-version choice and whole-frame writing.</summary>
public sealed class HeaderTests
{
    [Theory]
    [InlineData(ApiKey.Produce, 3, 1)]
    [InlineData(ApiKey.Produce, 8, 1)]
    [InlineData(ApiKey.Produce, 9, 2)]
    [InlineData(ApiKey.Metadata, 0, 1)]
    [InlineData(ApiKey.Metadata, 9, 2)]
    [InlineData(ApiKey.ApiVersions, 2, 1)]
    [InlineData(ApiKey.ApiVersions, 3, 2)]
    [InlineData(ApiKey.ApiVersions, 99, 2)]
    [InlineData(ApiKey.ControlledShutdown, 0, 0)]
    public void RequestHeaderVersion_FollowsFlexibleVersions(ApiKey apiKey, short version, short expected) =>
        Assert.Equal(expected, ApiMessageFactory.RequestHeaderVersion(apiKey, version));

    [Theory]
    [InlineData(ApiKey.Produce, 8, 0)]
    [InlineData(ApiKey.Produce, 9, 1)]
    [InlineData(ApiKey.Fetch, 12, 1)]
    [InlineData(ApiKey.ApiVersions, 0, 0)]
    [InlineData(ApiKey.ApiVersions, 3, 0)]
    [InlineData(ApiKey.ApiVersions, 4, 0)]
    public void ResponseHeaderVersion_IsZeroForApiVersionsEvenWhenFlexible(ApiKey apiKey, short version, short expected) =>
        Assert.Equal(expected, ApiMessageFactory.ResponseHeaderVersion(apiKey, version));

    [Fact]
    public void WriteResponse_ApiVersionsV3_UsesHeaderV0WithoutTaggedFields()
    {
        var body = new ApiVersionsResponse { ErrorCode = 0, ThrottleTimeMs = 7 };
        body.ApiKeys.Add(new ApiVersionsResponse.ApiVersion { ApiKey = 18, MinVersion = 0, MaxVersion = 4 });
        using var writer = new ProtocolWriter();
        MessageFraming.WriteResponse(writer, 42, ApiKey.ApiVersions, 3, body);

        var frame = writer.WrittenMemory;
        Assert.Equal(frame.Length - 4, BinaryPrimitives.ReadInt32BigEndian(frame.Span));
        var reader = new ProtocolReader(frame[4..]);
        Assert.Equal(42, ResponseHeader.Read(ref reader, 0).CorrelationId);
        var decoded = new ApiVersionsResponse();
        decoded.Read(ref reader, 3); // the body starts right after the correlation id
        Assert.True(reader.End);
        Assert.Equal(7, decoded.ThrottleTimeMs);
        Assert.Equal(4, Assert.Single(decoded.ApiKeys).MaxVersion);
    }

    [Fact]
    public void WriteResponse_FlexibleVersion_WritesHeaderV1TaggedSection()
    {
        var body = new MetadataResponse { ThrottleTimeMs = 1 };
        using var writer = new ProtocolWriter();
        MessageFraming.WriteResponse(writer, 5, ApiKey.Metadata, 9, body);

        var frame = writer.WrittenSpan;
        Assert.Equal(5, BinaryPrimitives.ReadInt32BigEndian(frame[4..]));
        Assert.Equal(0, frame[8]); // header v1: empty tagged-field section
        var reader = new ProtocolReader(writer.WrittenMemory[9..]);
        var decoded = MessageFraming.ReadResponseBody(ref reader, ApiKey.Metadata, 9);
        Assert.True(reader.End);
        Assert.Equal(1, ((MetadataResponse)decoded).ThrottleTimeMs);
    }

    [Fact]
    public void WriteResponse_WhenBodyCannotBeWritten_RewindsTheWriter()
    {
        using var writer = new ProtocolWriter();
        writer.WriteInt8(1);
        // Produce v3 responses cannot carry unknown tagged fields (not flexible).
        var body = new ProduceResponse { UnknownTaggedFields = [new RawTaggedField(3, new byte[] { 1 })] };
        Assert.Throws<UnsupportedVersionException>(() => MessageFraming.WriteResponse(writer, 1, ApiKey.Produce, 3, body));
        Assert.Equal(1, writer.Length);
    }

    [Fact]
    public void RequestHeaderV2_RoundTripsClientIdAndUnknownTaggedFields()
    {
        var header = new RequestHeader
        {
            ApiKey = ApiKey.Metadata,
            ApiVersion = 12,
            CorrelationId = 99,
            ClientId = "rdkafka",
            UnknownTaggedFields = [new RawTaggedField(0, new byte[] { 1, 2 }), new RawTaggedField(5, Array.Empty<byte>())],
        };
        using var writer = new ProtocolWriter();
        header.Write(writer, 2);
        // Client id stays a non-compact string (int16 length) in header v2.
        Assert.Equal(7, BinaryPrimitives.ReadInt16BigEndian(writer.WrittenSpan[8..]));

        var reader = new ProtocolReader(writer.WrittenMemory);
        var decoded = RequestHeader.Read(ref reader, out var headerVersion);
        Assert.True(reader.End);
        Assert.Equal(2, headerVersion);
        Assert.Equal(ApiKey.Metadata, decoded.ApiKey);
        Assert.Equal(12, decoded.ApiVersion);
        Assert.Equal(99, decoded.CorrelationId);
        Assert.Equal("rdkafka", decoded.ClientId);
        Assert.Equal([0, 5], decoded.UnknownTaggedFields!.Select(f => f.Tag));
        Assert.Equal([1, 2], decoded.UnknownTaggedFields![0].Data.ToArray());
    }

    [Fact]
    public void RequestHeaderV1_ReadsNullClientIdAndNoTaggedSection()
    {
        byte[] bytes = [0, 3, 0, 1, 0, 0, 0, 17, 0xFF, 0xFF];
        var reader = new ProtocolReader(bytes);
        var header = RequestHeader.Read(ref reader, out var headerVersion);
        Assert.Equal(1, headerVersion);
        Assert.Equal(ApiKey.Metadata, header.ApiKey);
        Assert.Equal(17, header.CorrelationId);
        Assert.Null(header.ClientId);
        Assert.True(reader.End);
    }

    [Fact]
    public void RequestHeaderRead_UnknownApiKey_StillYieldsCorrelationId()
    {
        byte[] bytes = [0x03, 0xE7, 0, 0, 0, 0, 0x01, 0x00, 0, 3, (byte)'c', (byte)'l', (byte)'i'];
        var reader = new ProtocolReader(bytes);
        var header = RequestHeader.Read(ref reader, out var headerVersion);
        Assert.Equal(0, headerVersion);
        Assert.Equal((ApiKey)999, header.ApiKey);
        Assert.Equal(256, header.CorrelationId);
        Assert.False(ApiMessageFactory.IsKnown(header.ApiKey));
        Assert.Throws<UnsupportedVersionException>(() =>
        {
            var body = new ProtocolReader(bytes);
            MessageFraming.ReadRequestBody(ref body, header);
        });
    }

    [Fact]
    public void TryPeek_ReadsKeyVersionAndCorrelationIdOfAMalformedRequest()
    {
        byte[] bytes = [0, 18, 0, 3, 0, 0, 0, 9, 0xFF];
        Assert.True(RequestHeader.TryPeek(bytes, out var apiKey, out var version, out var correlationId));
        Assert.Equal((ApiKey.ApiVersions, (short)3, 9), (apiKey, version, correlationId));
        Assert.False(RequestHeader.TryPeek(bytes.AsSpan(0, 7), out _, out _, out _));
    }

    [Fact]
    public void WriteRequest_ThenReadHeaderAndBody_RoundTripsAFlexibleRequest()
    {
        var request = new MetadataRequest { AllowAutoTopicCreation = true, Topics = [new MetadataRequest.MetadataRequestTopic { Name = "orders" }] };
        var header = new RequestHeader { ApiKey = ApiKey.Metadata, ApiVersion = 12, CorrelationId = 3, ClientId = "test" };
        using var writer = new ProtocolWriter();
        MessageFraming.WriteRequest(writer, header, request);

        var reader = new ProtocolReader(writer.WrittenMemory[4..]);
        var decodedHeader = RequestHeader.Read(ref reader, out var headerVersion);
        Assert.Equal(2, headerVersion);
        var body = (MetadataRequest)MessageFraming.ReadRequestBody(ref reader, decodedHeader);
        Assert.True(reader.End);
        Assert.Equal("orders", Assert.Single(body.Topics!).Name);
        Assert.True(body.AllowAutoTopicCreation);
    }

    [Fact]
    public void ReadRequestBody_VersionAboveReadableRange_ThrowsUnsupportedVersion()
    {
        var header = new RequestHeader { ApiKey = ApiKey.Produce, ApiVersion = 99, CorrelationId = 1 };
        var reader = new ProtocolReader(new byte[8]);
        Assert.Throws<UnsupportedVersionException>(() => MessageFraming.ReadRequestBody(ref reader, header));
    }

    [Fact]
    public void SupportedVersions_ExcludeUnstableLatestVersion_ButReadableVersionsIncludeIt()
    {
        var unstable = GeneratedMessages.All
            .Where(t => GeneratedMessages.Constant(t, "HighestSupportedVersion") != GeneratedMessages.Constant(t, "HighestVersionIncludingUnstable"))
            .ToList();
        Assert.NotEmpty(unstable);
        foreach (var type in unstable.Where(t => t.Name.EndsWith("Request", StringComparison.Ordinal)))
        {
            var apiKey = ((IApiMessage)Activator.CreateInstance(type)!).ApiKey;
            var advertised = ApiMessageFactory.SupportedVersions(apiKey);
            var readable = ApiMessageFactory.ReadableVersions(apiKey);
            Assert.Equal(readable.Highest - 1, advertised.Highest);
        }
    }

    [Fact]
    public void LegacyVersions_AreAdvertisedForOldClients()
    {
        Assert.Equal(0, ApiMessageFactory.SupportedVersions(ApiKey.Produce).Lowest);
        Assert.Equal(0, ApiMessageFactory.SupportedVersions(ApiKey.Fetch).Lowest);
        Assert.Equal(0, ApiMessageFactory.SupportedVersions(ApiKey.ListOffsets).Lowest);
        Assert.Equal(0, ApiMessageFactory.SupportedVersions(ApiKey.OffsetCommit).Lowest);
        Assert.Equal(0, ApiMessageFactory.SupportedVersions(ApiKey.OffsetFetch).Lowest);
        var (lowest, highest) = ApiMessageFactory.SupportedVersions(ApiKey.LeaderAndIsr);
        Assert.True(highest < lowest);
    }
}
