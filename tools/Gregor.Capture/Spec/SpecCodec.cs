using System.Globalization;
using Gregor.Protocol;
using Gregor.Protocol.Primitives;

namespace Gregor.Capture.Spec;

/// <summary>
/// Reads and writes any message body at any version by walking its JSON spec at run time
/// (compact encodings and tagged-field sections from the flexible versions on). It exists so
/// the capture tool's mock broker can answer every version a client picks without the
/// generated messages; it is a tool, not the broker's codec, so it favours brevity over
/// speed. Unknown tagged fields are skipped on read. Stateless; safe to share.
/// </summary>
internal static class SpecCodec
{
    public static SpecObject Read(MessageSpec spec, ref ProtocolReader reader, short version) =>
        ReadStruct(spec.Fields, ref reader, version, spec.FlexibleVersions.Contains(version));

    public static void Write(MessageSpec spec, ProtocolWriter writer, SpecObject value, short version) =>
        WriteStruct(spec.Fields, writer, value, version, spec.FlexibleVersions.Contains(version));

    private static SpecObject ReadStruct(IReadOnlyList<FieldSpec> fields, ref ProtocolReader reader, short version, bool flexible)
    {
        var result = new SpecObject();
        foreach (var field in fields)
        {
            if (field.Versions.Contains(version) && !(flexible && field.TaggedVersions.Contains(version)))
            {
                result[field.Name] = ReadField(field, ref reader, version, flexible);
            }
        }
        if (flexible)
        {
            var count = reader.ReadUnsignedVarInt();
            for (var i = 0; i < count; i++)
            {
                var tag = (int)reader.ReadUnsignedVarInt();
                var size = (int)reader.ReadUnsignedVarInt();
                var body = reader.ReadMemory(size);
                var field = fields.FirstOrDefault(f => f.Tag == tag && f.TaggedVersions.Contains(version));
                if (field is not null)
                {
                    var tagged = new ProtocolReader(body);
                    result[field.Name] = ReadField(field, ref tagged, version, flexible);
                }
            }
        }
        return result;
    }

    private static object? ReadField(FieldSpec field, ref ProtocolReader reader, short version, bool flexible)
    {
        var nullable = field.NullableVersions.Contains(version);
        if (field.IsArray)
        {
            var count = reader.ReadArrayLength(flexible, nullable);
            if (count < 0)
            {
                return null;
            }
            var list = new List<object?>(Math.Min(count, 1024));
            for (var i = 0; i < count; i++)
            {
                list.Add(ReadElement(field, ref reader, version, flexible, nullable: false));
            }
            return list;
        }
        return ReadElement(field, ref reader, version, flexible, nullable);
    }

    private static object? ReadElement(FieldSpec field, ref ProtocolReader reader, short version, bool flexible, bool nullable)
    {
        if (field.IsStruct)
        {
            if (nullable && !field.IsArray && reader.ReadInt8() < 0)
            {
                return null;
            }
            return ReadStruct(field.Fields!, ref reader, version, flexible);
        }
        return field.ElementType switch
        {
            "bool" => reader.ReadBool(),
            "int8" => (long)reader.ReadInt8(),
            "int16" => (long)reader.ReadInt16(),
            "uint16" => (long)reader.ReadUInt16(),
            "int32" => (long)reader.ReadInt32(),
            "int64" => reader.ReadInt64(),
            "float64" => reader.ReadFloat64(),
            "uuid" => reader.ReadUuid(),
            "string" => reader.ReadString(flexible, nullable),
            "bytes" or "records" => reader.ReadBytes(flexible, nullable)?.ToArray(),
            _ => throw new ProtocolException($"field {field.Name}: unknown type {field.ElementType}"),
        };
    }

    private static void WriteStruct(IReadOnlyList<FieldSpec> fields, ProtocolWriter writer, SpecObject value, short version, bool flexible)
    {
        List<FieldSpec>? tagged = null;
        foreach (var field in fields)
        {
            if (!field.Versions.Contains(version))
            {
                continue;
            }
            if (flexible && field.TaggedVersions.Contains(version))
            {
                if (value.TryGetValue(field.Name, out var v) && v is not null)
                {
                    (tagged ??= []).Add(field);
                }
                continue;
            }
            WriteField(field, writer, value.TryGetValue(field.Name, out var present) ? present : DefaultOf(field, version), version, flexible);
        }
        if (flexible)
        {
            tagged?.Sort((a, b) => a.Tag.CompareTo(b.Tag));
            writer.WriteUnsignedVarInt((uint)(tagged?.Count ?? 0));
            foreach (var field in tagged ?? [])
            {
                using var body = new ProtocolWriter();
                WriteField(field, body, value[field.Name], version, flexible);
                writer.WriteUnsignedVarInt((uint)field.Tag);
                writer.WriteUnsignedVarInt((uint)body.Length);
                writer.WriteRaw(body.WrittenSpan);
            }
        }
    }

    private static void WriteField(FieldSpec field, ProtocolWriter writer, object? value, short version, bool flexible)
    {
        var nullable = field.NullableVersions.Contains(version);
        if (field.IsArray)
        {
            if (value is null)
            {
                if (nullable)
                {
                    if (flexible)
                    {
                        writer.WriteUnsignedVarInt(0);
                    }
                    else
                    {
                        writer.WriteInt32(-1);
                    }
                    return;
                }
                value = new List<object?>();
            }
            var list = (System.Collections.IList)value;
            writer.WriteArrayLength(list.Count, flexible);
            foreach (var item in list)
            {
                WriteElement(field, writer, item, version, flexible, nullable: false);
            }
            return;
        }
        WriteElement(field, writer, value, version, flexible, nullable);
    }

    private static void WriteElement(FieldSpec field, ProtocolWriter writer, object? value, short version, bool flexible, bool nullable)
    {
        if (field.IsStruct)
        {
            if (nullable && !field.IsArray)
            {
                writer.WriteInt8(value is null ? (sbyte)-1 : (sbyte)1);
                if (value is null)
                {
                    return;
                }
            }
            WriteStruct(field.Fields!, writer, value as SpecObject ?? [], version, flexible);
            return;
        }
        switch (field.ElementType)
        {
            case "bool": writer.WriteBool(value is true); break;
            case "int8": writer.WriteInt8((sbyte)ToLong(value)); break;
            case "int16": writer.WriteInt16((short)ToLong(value)); break;
            case "uint16": writer.WriteUInt16((ushort)ToLong(value)); break;
            case "int32": writer.WriteInt32((int)ToLong(value)); break;
            case "int64": writer.WriteInt64(ToLong(value)); break;
            case "float64": writer.WriteFloat64(Convert.ToDouble(value ?? 0.0, CultureInfo.InvariantCulture)); break;
            case "uuid": writer.WriteUuid(value is Guid g ? g : Guid.Empty); break;
            case "string":
                writer.WriteString(value is null && !nullable ? "" : (string?)value, flexible);
                break;
            case "bytes":
            case "records":
                if (value is null && nullable)
                {
                    writer.WriteNullBytes(flexible);
                }
                else
                {
                    writer.WriteBytes((byte[]?)value ?? [], flexible);
                }
                break;
            default: throw new ProtocolException($"field {field.Name}: unknown type {field.ElementType}");
        }
    }

    private static long ToLong(object? value) => value is null ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);

    private static object? DefaultOf(FieldSpec field, short version)
    {
        var text = field.Default;
        if (field.IsArray)
        {
            return field.NullableVersions.Contains(version) && text == "null" ? null : new List<object?>();
        }
        if (field.IsStruct)
        {
            return field.NullableVersions.Contains(version) ? null : new SpecObject();
        }
        if (text == "null" && field.NullableVersions.Contains(version))
        {
            return null;
        }
        return field.ElementType switch
        {
            "bool" => text == "true",
            "string" => text ?? "",
            "bytes" or "records" => Array.Empty<byte>(),
            "uuid" => Guid.Empty,
            "float64" => text is null ? 0.0 : double.Parse(text, CultureInfo.InvariantCulture),
            _ => text is null ? 0L
                : text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? long.Parse(text[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : long.Parse(text, CultureInfo.InvariantCulture),
        };
    }
}
