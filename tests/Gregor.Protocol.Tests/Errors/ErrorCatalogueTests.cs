using Gregor.Protocol.Errors;

namespace Gregor.Protocol.Tests.Errors;

public class ErrorCatalogueTests
{
    [Fact]
    public void All_HasUniqueCodesAndNames_CoveringEveryEnumMember()
    {
        var all = ErrorCatalogue.All;
        Assert.Equal(all.Count, all.Select(e => e.Code).Distinct().Count());
        Assert.Equal(all.Count, all.Select(e => e.Name).Distinct().Count());
        var enumValues = Enum.GetValues<ErrorCode>();
        Assert.Equal(enumValues.Length, all.Count);
        Assert.All(enumValues, code => Assert.True(ErrorCatalogue.IsKnown(code), code.ToString()));
    }

    [Fact]
    public void EnumNames_ArePascalCaseOfKafkaNames()
    {
        foreach (var info in ErrorCatalogue.All)
        {
            var pascal = string.Concat(info.Name.Split('_').Select(p => p[..1] + p[1..].ToLowerInvariant()));
            Assert.Equal(pascal, info.Code.ToString());
        }
    }

    // Spot checks against the error table in Kafka's protocol guide (kafka.apache.org/protocol#protocol_error_codes).
    [Theory]
    [InlineData(-1, "UNKNOWN_SERVER_ERROR", false)]
    [InlineData(0, "NONE", false)]
    [InlineData(1, "OFFSET_OUT_OF_RANGE", false)]
    [InlineData(2, "CORRUPT_MESSAGE", true)]
    [InlineData(3, "UNKNOWN_TOPIC_OR_PARTITION", true)]
    [InlineData(6, "NOT_LEADER_OR_FOLLOWER", true)]
    [InlineData(7, "REQUEST_TIMED_OUT", true)]
    [InlineData(8, "BROKER_NOT_AVAILABLE", false)]
    [InlineData(10, "MESSAGE_TOO_LARGE", false)]
    [InlineData(15, "COORDINATOR_NOT_AVAILABLE", true)]
    [InlineData(16, "NOT_COORDINATOR", true)]
    [InlineData(25, "UNKNOWN_MEMBER_ID", false)]
    [InlineData(27, "REBALANCE_IN_PROGRESS", false)]
    [InlineData(35, "UNSUPPORTED_VERSION", false)]
    [InlineData(36, "TOPIC_ALREADY_EXISTS", false)]
    [InlineData(41, "NOT_CONTROLLER", true)]
    [InlineData(45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false)]
    [InlineData(47, "INVALID_PRODUCER_EPOCH", false)]
    [InlineData(51, "CONCURRENT_TRANSACTIONS", true)]
    [InlineData(56, "KAFKA_STORAGE_ERROR", true)]
    [InlineData(74, "FENCED_LEADER_EPOCH", true)]
    [InlineData(79, "MEMBER_ID_REQUIRED", false)]
    [InlineData(89, "THROTTLING_QUOTA_EXCEEDED", true)]
    [InlineData(90, "PRODUCER_FENCED", false)]
    [InlineData(100, "UNKNOWN_TOPIC_ID", true)]
    [InlineData(110, "FENCED_MEMBER_EPOCH", false)]
    [InlineData(120, "TRANSACTION_ABORTABLE", false)]
    [InlineData(133, "SHARE_SESSION_LIMIT_REACHED", true)]
    public void Get_MatchesKafkaTable(short code, string name, bool retriable)
    {
        var info = ErrorCatalogue.Get((ErrorCode)code);
        Assert.Equal(name, info.Name);
        Assert.Equal(name, ErrorCatalogue.Name((ErrorCode)code));
        Assert.Equal(retriable, info.IsRetriable);
        Assert.Equal(retriable, ErrorCatalogue.IsRetriable((ErrorCode)code));
        Assert.True(ErrorCatalogue.TryGetByName(name, out var byName));
        Assert.Equal(code, (short)byName);
    }

    [Fact]
    public void EnumValues_MatchWireCodes()
    {
        Assert.Equal(-1, (short)ErrorCode.UnknownServerError);
        Assert.Equal(3, (short)ErrorCode.UnknownTopicOrPartition);
        Assert.Equal(58, (short)ErrorCode.SaslAuthenticationFailed);
        Assert.Equal(87, (short)ErrorCode.InvalidRecord);
    }

    [Fact]
    public void EveryErrorButNone_HasADefaultMessage()
    {
        Assert.Equal("", ErrorCatalogue.Message(ErrorCode.None));
        Assert.All(ErrorCatalogue.All.Where(e => e.Code != ErrorCode.None), e => Assert.False(string.IsNullOrWhiteSpace(e.Message)));
        Assert.Equal("This server does not host this topic-partition.", ErrorCatalogue.Message(ErrorCode.UnknownTopicOrPartition));
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(142)]
    [InlineData(short.MaxValue)]
    [InlineData(short.MinValue)]
    public void Get_UndefinedCode_IsUnknownAndNotRetriable(short code)
    {
        Assert.False(ErrorCatalogue.IsKnown((ErrorCode)code));
        Assert.False(ErrorCatalogue.IsRetriable((ErrorCode)code));
        Assert.Equal($"UNKNOWN_ERROR_CODE_{code}", ErrorCatalogue.Name((ErrorCode)code));
    }
}
