namespace Gregor.Protocol.Records;

/// <summary>The codec in bits 0-2 of a batch's attributes, numbered as Kafka numbers them.</summary>
public enum CompressionType : byte
{
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}
