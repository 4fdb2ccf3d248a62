using System.Globalization;

namespace Gregor.Protocol.Generator;

/// <summary>The Read and Write method bodies of <see cref="MessageEmitter"/>: one statement block per field.</summary>
public sealed partial class MessageEmitter
{
    /// <summary>True while a tagged field's value is emitted (nullable structs use a varint marker there).</summary>
    private bool _emittingTagged;

    // ---------------------------------------------------------------- read

    private void EmitReadBody(CodeWriter w, List<FieldSpec> fields, bool messageLevel)
    {
        foreach (var field in fields)
        {
            var regular = RegularVersions(field);
            if (regular.IsEmpty)
            {
                continue;
            }
            var condition = Condition(regular);
            var name = PropertyName(field, messageLevel);
            if (condition is null)
            {
                EmitReadField(w, field, name, "reader", CompactExpression(field));
            }
            else
            {
                w.Open($"if ({condition})");
                InScope(regular, () => EmitReadField(w, field, name, "reader", CompactExpression(field)));
                w.Close();
            }
        }
        var flexibleRange = _spec.FlexibleVersions.Intersect(_valid);
        if (flexibleRange.IsEmpty)
        {
            return;
        }
        var flexible = Condition(_spec.FlexibleVersions);
        if (flexible is not null)
        {
            w.Open($"if ({flexible})");
        }
        InScope(flexibleRange, () => EmitReadTaggedSection(w, fields, messageLevel));
        if (flexible is not null)
        {
            w.Close();
        }
    }

    private void EmitReadTaggedSection(CodeWriter w, List<FieldSpec> fields, bool messageLevel)
    {
        var tagged = TaggedFields(fields);
        w.Line("var taggedCount = reader.ReadUnsignedVarInt();");
        w.Open("for (uint t = 0; t < taggedCount; t++)");
        w.Line("var tag = reader.ReadTag();");
        w.Line("var size = reader.ReadTaggedFieldSize();");
        if (tagged.Count == 0)
        {
            w.Line("(UnknownTaggedFields ??= []).Add(new RawTaggedField(tag, reader.ReadMemory(size)));");
        }
        else
        {
            w.Open("switch (tag)");
            foreach (var field in tagged)
            {
                var condition = Condition(TaggedVersions(field));
                w.Line(condition is null ? $"case {field.Tag}:" : $"case {field.Tag} when {condition}:");
                w.Open();
                w.Line("var tagged = new ProtocolReader(reader.ReadMemory(size));");
                InScope(TaggedVersions(field), () => EmitReadField(w, field, PropertyName(field, messageLevel), "tagged", "true"));
                w.Line("break;");
                w.Close();
            }
            w.Line("default:");
            w.Open();
            w.Line("(UnknownTaggedFields ??= []).Add(new RawTaggedField(tag, reader.ReadMemory(size)));");
            w.Line("break;");
            w.Close();
            w.Close();
        }
        w.Close();
    }

    private List<FieldSpec> TaggedFields(List<FieldSpec> fields)
    {
        var tagged = new List<FieldSpec>();
        foreach (var field in fields)
        {
            if (!TaggedVersions(field).IsEmpty)
            {
                tagged.Add(field);
            }
        }
        tagged.Sort((a, b) => a.Tag!.Value.CompareTo(b.Tag!.Value));
        return tagged;
    }

    private void EmitReadField(CodeWriter w, FieldSpec field, string name, string reader, string compact)
    {
        var nullable = field.IsNullable ? NullableExpression(field) : "false";
        if (field.IsArray)
        {
            EmitReadArray(w, field, name, reader, compact, nullable);
            return;
        }
        switch (field.Type)
        {
            case "string":
                w.Line($"{name} = {reader}.ReadString({compact}, {nullable}){(field.IsNullable ? "" : "!")};");
                return;
            case "bytes":
                w.Line(field.IsNullable
                    ? $"{name} = {reader}.ReadBytes({compact}, {nullable})?.ToArray();"
                    : $"{name} = {reader}.ReadBytes({compact}, false).GetValueOrDefault().ToArray();");
                return;
            case "records":
                w.Line($"{name} = {reader}.ReadBytes({compact}, {nullable});");
                return;
            case "int8" or "int16" or "uint16" or "int32" or "int64" or "float64" or "bool" or "uuid":
                w.Line($"{name} = {reader}.{ScalarReader(field.Type)}();");
                return;
        }
        var type = QualifiedStruct(field.Type);
        if (!field.IsNullable)
        {
            w.Line($"{name}.Read(ref {reader}, version);");
            return;
        }
        // Kafka marks a nullable struct with an int8 (-1 null, 1 present); inside a tagged field
        // the marker is an unsigned varint (0 null, 1 present).
        var marker = reader == "tagged" ? $"{reader}.ReadUnsignedVarInt() == 0" : $"{reader}.ReadInt8() < 0";
        var isNull = nullable == "true" ? marker : $"{nullable} && {marker}";
        if (nullable == "false")
        {
            isNull = "false";
        }
        if (isNull == "false")
        {
            w.Line($"{name} ??= new {type}();");
            w.Line($"{name}.Read(ref {reader}, version);");
            return;
        }
        w.Open($"if ({isNull})");
        w.Line($"{name} = null;");
        w.Close();
        w.Line("else");
        w.Open();
        w.Line($"{name} ??= new {type}();");
        w.Line($"{name}.Read(ref {reader}, version);");
        w.Close();
    }

    private static string ScalarReader(string type) => type switch
    {
        "int8" => "ReadInt8",
        "int16" => "ReadInt16",
        "uint16" => "ReadUInt16",
        "int32" => "ReadInt32",
        "int64" => "ReadInt64",
        "float64" => "ReadFloat64",
        "bool" => "ReadBool",
        "uuid" => "ReadUuid",
        _ => throw new InvalidOperationException(type),
    };

    private static string ScalarWriter(string type) => "Write" + ScalarReader(type)[4..];

    private static int ScalarSize(string type) => type switch
    {
        "int8" or "bool" => 1,
        "int16" or "uint16" => 2,
        "int32" => 4,
        "int64" or "float64" => 8,
        "uuid" => 16,
        _ => 1,
    };

    private void EmitReadArray(CodeWriter w, FieldSpec field, string name, string reader, string compact, string nullable)
    {
        var element = field.ElementType;
        string minimum;
        if (field.IsStructType)
        {
            minimum = $"{QualifiedStruct(element)}.MinimumWireSize(version)";
        }
        else if (element == "string")
        {
            minimum = compact == "true" ? "1" : compact == "false" ? "2" : $"{compact} ? 1 : 2";
        }
        else
        {
            minimum = ScalarSize(element).ToString(CultureInfo.InvariantCulture);
        }
        w.Open();
        w.Line($"var count = {reader}.ReadArrayLength({compact}, {nullable}, {minimum});");
        var clrElement = ElementClrType(element);
        if (field.IsNullable && nullable != "false")
        {
            w.Open("if (count < 0)");
            w.Line($"{name} = null;");
            w.Close();
            w.Line("else");
            w.Open();
            w.Line($"var list = {name} ?? new List<{clrElement}>(count);");
        }
        else
        {
            w.Line(field.IsNullable ? $"var list = {name} ?? new List<{clrElement}>(count);" : $"var list = {name};");
        }
        w.Line("list.Clear();");
        w.Line("list.EnsureCapacity(count);");
        w.Open("for (var i = 0; i < count; i++)");
        if (field.IsStructType)
        {
            w.Line($"var item = new {clrElement}();");
            w.Line($"item.Read(ref {reader}, version);");
            w.Line("list.Add(item);");
        }
        else if (element == "string")
        {
            w.Line($"list.Add({reader}.ReadString({compact}, false)!);");
        }
        else
        {
            w.Line($"list.Add({reader}.{ScalarReader(element)}());");
        }
        w.Close();
        w.Line($"{name} = list;");
        if (field.IsNullable && nullable != "false")
        {
            w.Close();
        }
        w.Close();
    }

    // ---------------------------------------------------------------- write

    private void EmitWriteBody(CodeWriter w, List<FieldSpec> fields, bool messageLevel)
    {
        foreach (var field in fields)
        {
            var name = PropertyName(field, messageLevel);
            var regular = RegularVersions(field);
            var present = PresentVersions(field);
            var absentCheck = !field.Ignorable && present != _valid;
            var presentCondition = present.IsEmpty ? null : Condition(present);
            if (regular.IsEmpty)
            {
                if (absentCheck)
                {
                    EmitAbsentCheck(w, field, name, presentCondition is null ? null : Not(presentCondition));
                }
                continue;
            }
            var condition = Condition(regular);
            if (condition is null)
            {
                EmitWriteField(w, field, name, CompactExpression(field));
                continue;
            }
            w.Open($"if ({condition})");
            InScope(regular, () => EmitWriteField(w, field, name, CompactExpression(field)));
            w.Close();
            if (absentCheck)
            {
                // Without tagged versions, every version reaching the else branch lacks the field.
                var absentCondition = regular == present || presentCondition is null ? null : Not(presentCondition);
                w.Line("else");
                w.Open();
                EmitAbsentCheck(w, field, name, absentCondition);
                w.Close();
            }
        }
        var flexibleRange = _spec.FlexibleVersions.Intersect(_valid);
        var flexible = Condition(_spec.FlexibleVersions);
        if (flexibleRange.IsEmpty)
        {
            w.Open("if (UnknownTaggedFields is { Count: > 0 })");
            w.Line("throw new UnsupportedVersionException($\"tagged fields are set but version {version} has none\");");
            w.Close();
            return;
        }
        if (flexible is not null)
        {
            w.Open($"if ({flexible})");
        }
        InScope(flexibleRange, () => EmitWriteTaggedSection(w, fields, messageLevel));
        if (flexible is not null)
        {
            w.Close();
            w.Line("else if (UnknownTaggedFields is { Count: > 0 })");
            w.Open();
            w.Line("throw new UnsupportedVersionException($\"tagged fields are set but version {version} has none\");");
            w.Close();
        }
    }

    private void EmitWriteTaggedSection(CodeWriter w, List<FieldSpec> fields, bool messageLevel)
    {
        var tagged = TaggedFields(fields);
        w.Line("var unknown = UnknownTaggedFields;");
        w.Line("var taggedCount = unknown?.Count ?? 0;");
        foreach (var field in tagged)
        {
            var condition = Condition(TaggedVersions(field));
            var notDefault = Not(IsDefaultExpression(field, PropertyName(field, messageLevel)));
            w.Open(condition is null ? $"if ({notDefault})" : $"if ({condition} && {notDefault})");
            w.Line("taggedCount++;");
            w.Close();
        }
        w.Line("writer.WriteUnsignedVarInt((uint)taggedCount);");
        if (tagged.Count > 0)
        {
            w.Line("var nextUnknown = 0;");
        }
        foreach (var field in tagged)
        {
            var condition = Condition(TaggedVersions(field));
            var notDefault = Not(IsDefaultExpression(field, PropertyName(field, messageLevel)));
            w.Open(condition is null ? $"if ({notDefault})" : $"if ({condition} && {notDefault})");
            w.Line($"nextUnknown = TaggedFields.WriteUnknownBefore(writer, unknown, nextUnknown, {field.Tag});");
            w.Line($"writer.WriteUnsignedVarInt({field.Tag});");
            w.Line("var start = writer.Length;");
            _emittingTagged = true;
            InScope(TaggedVersions(field), () => EmitWriteField(w, field, PropertyName(field, messageLevel), "true"));
            _emittingTagged = false;
            w.Line("writer.InsertUnsignedVarInt(start, (uint)(writer.Length - start));");
            w.Close();
        }
        w.Line(tagged.Count > 0
            ? "TaggedFields.WriteUnknownBefore(writer, unknown, nextUnknown, int.MaxValue);"
            : "TaggedFields.WriteUnknownBefore(writer, unknown, 0, int.MaxValue);");
    }

    private void EmitAbsentCheck(CodeWriter w, FieldSpec field, string name, string? absentCondition)
    {
        var notDefault = Not(IsDefaultExpression(field, name));
        w.Open(absentCondition is null ? $"if ({notDefault})" : $"if ({absentCondition} && {notDefault})");
        w.Line($"throw new UnsupportedVersionException($\"{_spec.Name}.{field.Name} has a non-default value but version {{version}} cannot carry it\");");
        w.Close();
    }

    private void EmitNullCheck(CodeWriter w, FieldSpec field, string nullable)
    {
        if (nullable == "true")
        {
            return;
        }
        var message = $"throw new ProtocolException($\"{_spec.Name}.{field.Name} is null but version {{version}} does not allow null\");";
        if (nullable == "false")
        {
            // A call, not a throw statement: the code after it must not be flagged unreachable.
            w.Line($"MessageErrors.ThrowNullNotAllowed(\"{_spec.Name}.{field.Name}\", version);");
            return;
        }
        w.Open($"if ({Not(nullable)})");
        w.Line(message);
        w.Close();
    }

    private void EmitWriteField(CodeWriter w, FieldSpec field, string name, string compact)
    {
        var nullable = field.IsNullable ? NullableExpression(field) : "false";
        if (field.IsArray)
        {
            EmitWriteArray(w, field, name, compact, nullable);
            return;
        }
        switch (field.Type)
        {
            case "string":
                if (field.IsNullable && nullable != "true")
                {
                    w.Open($"if ({name} is null)");
                    EmitNullCheck(w, field, nullable);
                    w.Close();
                }
                w.Line($"writer.WriteString({name}, {compact});");
                return;
            case "bytes":
                if (!field.IsNullable)
                {
                    w.Line($"writer.WriteBytes({name}, {compact});");
                    return;
                }
                w.Open($"if ({name} is null)");
                EmitNullCheck(w, field, nullable);
                w.Line($"writer.WriteNullBytes({compact});");
                w.Close();
                w.Line("else");
                w.Open();
                w.Line($"writer.WriteBytes({name}, {compact});");
                w.Close();
                return;
            case "records":
                w.Open($"if ({name}.HasValue)");
                w.Line($"writer.WriteRecords({name}.Value, {compact});");
                w.Close();
                w.Line("else");
                w.Open();
                EmitNullCheck(w, field, nullable);
                w.Line($"writer.WriteNullBytes({compact});");
                w.Close();
                return;
            case "int8" or "int16" or "uint16" or "int32" or "int64" or "float64" or "bool" or "uuid":
                w.Line($"writer.{ScalarWriter(field.Type)}({name});");
                return;
        }
        if (!field.IsNullable)
        {
            w.Line($"{name}.Write(writer, version);");
            return;
        }
        w.Open($"if ({name} is null)");
        EmitNullCheck(w, field, nullable);
        w.Line(_emittingTagged ? "writer.WriteUnsignedVarInt(0);" : "writer.WriteInt8(-1);");
        w.Close();
        w.Line("else");
        w.Open();
        if (nullable == "true")
        {
            w.Line(_emittingTagged ? "writer.WriteUnsignedVarInt(1);" : "writer.WriteInt8(1);");
        }
        else if (nullable != "false")
        {
            w.Open($"if ({nullable})");
            w.Line(_emittingTagged ? "writer.WriteUnsignedVarInt(1);" : "writer.WriteInt8(1);");
            w.Close();
        }
        w.Line($"{name}.Write(writer, version);");
        w.Close();
    }

    private void EmitWriteArray(CodeWriter w, FieldSpec field, string name, string compact, string nullable)
    {
        w.Open();
        w.Line($"var items = {name};");
        if (field.IsNullable)
        {
            w.Open("if (items is null)");
            EmitNullCheck(w, field, nullable);
            w.Line($"writer.WriteArrayLength(-1, {compact});");
            w.Close();
            w.Line("else");
            w.Open();
        }
        w.Line($"writer.WriteArrayLength(items.Count, {compact});");
        w.Open("for (var i = 0; i < items.Count; i++)");
        var element = field.ElementType;
        if (field.IsStructType)
        {
            w.Line("items[i].Write(writer, version);");
        }
        else if (element == "string")
        {
            w.Line($"writer.WriteString(items[i], {compact});");
        }
        else
        {
            w.Line($"writer.{ScalarWriter(element)}(items[i]);");
        }
        w.Close();
        if (field.IsNullable)
        {
            w.Close();
        }
        w.Close();
    }
}
