using Gregor.Broker.Config;

namespace Gregor.Broker.Tests.Config;

/// <summary>The server.properties syntax, checked against java.util.Properties' rules.</summary>
public sealed class JavaPropertiesReaderTests
{
    [Fact]
    public void Parse_KafkaStyleFile_ReadsKeysAndSkipsComments()
    {
        var values = JavaPropertiesReader.Parse("""
            # The id of the broker.
            ! another comment style
            node.id=1

            listeners = PLAINTEXT://127.0.0.1:9092
            log.dirs: /var/lib/gregor
            num.partitions 3
               auto.create.topics.enable=false
            """);

        Assert.Equal(5, values.Count);
        Assert.Equal("1", values["node.id"]);
        Assert.Equal("PLAINTEXT://127.0.0.1:9092", values["listeners"]);
        Assert.Equal("/var/lib/gregor", values["log.dirs"]);
        Assert.Equal("3", values["num.partitions"]);
        Assert.Equal("false", values["auto.create.topics.enable"]);
    }

    [Fact]
    public void Parse_ContinuationLines_AreJoinedWithoutLeadingWhitespace()
    {
        var values = JavaPropertiesReader.Parse("listeners=PLAINTEXT://a:1,\\\n    PLAINTEXT://b:2\nnext=x\n");

        Assert.Equal("PLAINTEXT://a:1,PLAINTEXT://b:2", values["listeners"]);
        Assert.Equal("x", values["next"]);
    }

    [Fact]
    public void Parse_EvenNumberOfTrailingBackslashes_IsALiteralBackslash()
    {
        var values = JavaPropertiesReader.Parse("path=C:\\\\\nother=1");

        Assert.Equal("C:\\", values["path"]);
        Assert.Equal("1", values["other"]);
    }

    [Fact]
    public void Parse_Escapes_AreDecoded()
    {
        var values = JavaPropertiesReader.Parse("key\\=with\\:seps=tab\\there\\u0041\\n\nspace\\ key=v");

        Assert.Equal("tab\there\u0041\n", values["key=with:seps"]);
        Assert.Equal("v", values["space key"]);
    }

    [Fact]
    public void Parse_CrLfAndCrLineEndings_AreLineBreaks()
    {
        var values = JavaPropertiesReader.Parse("a=1\r\nb=2\rc=3");

        Assert.Equal(["1", "2", "3"], new[] { values["a"], values["b"], values["c"] });
    }

    [Fact]
    public void Parse_DuplicateKey_LastOneWins()
    {
        Assert.Equal("2", JavaPropertiesReader.Parse("a=1\na=2")["a"]);
    }

    [Fact]
    public void Parse_KeyWithoutValue_HasEmptyValue()
    {
        Assert.Equal("", JavaPropertiesReader.Parse("lonely\n")["lonely"]);
    }

    [Fact]
    public void Parse_MalformedUnicodeEscape_Throws()
    {
        var error = Assert.Throws<BrokerConfigException>(() => JavaPropertiesReader.Parse("a=\\u12G4"));
        Assert.Contains("uxxxx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadFile_MissingFile_ThrowsConfigExceptionNamingIt()
    {
        using var dir = new TempDirectory();
        var path = dir.Sub("missing.properties");

        var error = Assert.Throws<BrokerConfigException>(() => JavaPropertiesReader.ReadFile(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }
}
