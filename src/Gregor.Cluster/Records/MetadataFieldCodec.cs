using System.Collections.Immutable;
using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Cluster.Records;

/// <summary>Flexible-version field helpers shared by the hand-written metadata record codecs.</summary>
internal static class MetadataFieldCodec
{
    public static string ReadString(ref ProtocolReader reader) =>
        reader.ReadString(compact: true, nullable: false)!;

    public static string? ReadNullableString(ref ProtocolReader reader) =>
        reader.ReadString(compact: true, nullable: true);

    public static ImmutableArray<int> ReadInt32Array(ref ProtocolReader reader)
    {
        var count = reader.ReadArrayLength(compact: true, nullable: false, minElementSize: 4);
        var builder = ImmutableArray.CreateBuilder<int>(count);
        for (var i = 0; i < count; i++)
        {
            builder.Add(reader.ReadInt32());
        }
        return builder.MoveToImmutable();
    }

    public static void WriteInt32Array(ProtocolWriter writer, ImmutableArray<int> values)
    {
        var items = values.IsDefault ? [] : values;
        writer.WriteArrayLength(items.Length, compact: true);
        foreach (var value in items)
        {
            writer.WriteInt32(value);
        }
    }

    /// <summary>A compact nullable int32 array (a tagged field's value): null when the length says so.</summary>
    public static ImmutableArray<int>? ReadNullableInt32Array(ref ProtocolReader reader)
    {
        var count = reader.ReadArrayLength(compact: true, nullable: true, minElementSize: 4);
        if (count < 0)
        {
            return null;
        }
        var builder = ImmutableArray.CreateBuilder<int>(count);
        for (var i = 0; i < count; i++)
        {
            builder.Add(reader.ReadInt32());
        }
        return builder.MoveToImmutable();
    }

    /// <summary>Writes tag <paramref name="tag"/> holding a compact int32 array.</summary>
    public static void WriteNullableInt32ArrayTag(ProtocolWriter writer, int tag, ImmutableArray<int> values)
    {
        using var field = new ProtocolWriter();
        WriteInt32Array(field, values);
        writer.WriteTaggedField(tag, field.WrittenSpan);
    }

    public static ImmutableArray<Guid> ReadUuidArray(ref ProtocolReader reader)
    {
        var count = reader.ReadArrayLength(compact: true, nullable: false, minElementSize: 16);
        var builder = ImmutableArray.CreateBuilder<Guid>(count);
        for (var i = 0; i < count; i++)
        {
            builder.Add(reader.ReadUuid());
        }
        return builder.MoveToImmutable();
    }

    public static void WriteUuidArray(ProtocolWriter writer, ImmutableArray<Guid> values)
    {
        var items = values.IsDefault ? [] : values;
        writer.WriteArrayLength(items.Length, compact: true);
        foreach (var value in items)
        {
            writer.WriteUuid(value);
        }
    }

    /// <summary>Reads one tagged field's size and returns a reader over exactly its bytes (checked against the bytes left).</summary>
    public static ProtocolReader ReadTaggedField(ref ProtocolReader reader)
    {
        var size = reader.ReadUnsignedVarInt();
        if (size > (uint)reader.Remaining)
        {
            throw new ProtocolException($"tagged field of {size} bytes exceeds the {reader.Remaining} bytes left");
        }
        return new ProtocolReader(reader.ReadMemory((int)size));
    }

    /// <summary>A LeaderRecoveryState int8: 0 or 1; anything else is corrupt.</summary>
    public static LeaderRecoveryState ReadLeaderRecoveryState(ref ProtocolReader reader)
    {
        var value = reader.ReadInt8();
        return value is 0 or 1 ? (LeaderRecoveryState)value : throw new ProtocolException($"invalid leader recovery state {value}");
    }

    public static void SkipUuidArray(ref ProtocolReader reader)
    {
        var count = reader.ReadArrayLength(compact: true, nullable: false, minElementSize: 16);
        reader.Skip(count * 16);
    }

    /// <summary>Skips the tagged-field section: Gregor writes none and ignores those it does not know.</summary>
    public static void SkipTaggedFields(ref ProtocolReader reader)
    {
        var count = reader.ReadUnsignedVarInt();
        for (var i = 0u; i < count; i++)
        {
            reader.ReadUnsignedVarInt();
            var size = reader.ReadUnsignedVarInt();
            if (size > (uint)reader.Remaining)
            {
                throw new ProtocolException($"tagged field of {size} bytes exceeds the {reader.Remaining} bytes left");
            }
            reader.Skip((int)size);
        }
    }

    public static void WriteEmptyTaggedFields(ProtocolWriter writer) => writer.WriteUnsignedVarInt(0);
}
