using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>
/// One KRaft metadata record (the value of one record in the metadata log). Subclasses mirror
/// Kafka's <c>metadata/*.json</c> schemas field for field; all are flexible (compact strings and
/// arrays, a tagged-field section). Immutable values; <see cref="MetadataRecordSerde"/> frames them.
/// </summary>
public abstract record MetadataRecord
{
    public abstract MetadataRecordType Type { get; }

    /// <summary>The record version written; readers accept every version up to it.</summary>
    public virtual short Version => 0;

    internal abstract void WriteFields(ProtocolWriter writer);
}
