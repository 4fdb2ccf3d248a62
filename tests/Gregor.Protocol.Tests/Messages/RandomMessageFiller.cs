using System.Collections;
using System.Reflection;
using System.Text;
using Gregor.Protocol.Messages;

namespace Gregor.Protocol.Tests.Messages;

/// <summary>
/// Fills a generated message with seeded random values that are valid at one version, using
/// the generated field table to know which fields the version carries, which may be null and
/// which are tagged. Unknown tagged fields are added on flexible versions. Reflection is fine
/// here (tests only). One instance per seed; not thread-safe.
/// </summary>
internal sealed class RandomMessageFiller(int seed)
{
    private static readonly Dictionary<string, List<MessageFieldTable.Row>> RowsByOwner = BuildIndex();
    private static readonly string[] Words = ["", "a", "topic-1", "ünïcödé", "中文", "x y", "__consumer_offsets", "😀"];

    private readonly Random _random = new(seed);

    private static Dictionary<string, List<MessageFieldTable.Row>> BuildIndex()
    {
        var index = new Dictionary<string, List<MessageFieldTable.Row>>(StringComparer.Ordinal);
        foreach (var row in MessageFieldTable.Rows)
        {
            if (!index.TryGetValue(row.Owner, out var list))
            {
                index[row.Owner] = list = [];
            }
            list.Add(row);
        }
        return index;
    }

    /// <summary>"ProduceRequest" or "ProduceRequest.TopicProduceData": the owner key of the field table.</summary>
    public static string OwnerName(Type type) =>
        type.DeclaringType is null ? type.Name : type.DeclaringType.Name + "." + type.Name;

    public static IReadOnlyList<MessageFieldTable.Row> RowsOf(Type type) =>
        RowsByOwner.TryGetValue(OwnerName(type), out var rows) ? rows : [];

    private static bool IsFlexible(Type type, short version)
    {
        var message = type.DeclaringType ?? type;
        return (bool)message.GetMethod("IsFlexible", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [version])!;
    }

    public void Fill(object target, short version)
    {
        var type = target.GetType();
        var knownTags = new HashSet<int>();
        foreach (var row in RowsOf(type))
        {
            if (version < row.Lowest || version > row.Highest)
            {
                continue;
            }
            var tagged = version >= row.TaggedLowest && version <= row.TaggedHighest;
            if (tagged)
            {
                knownTags.Add(row.Tag);
                if (_random.Next(4) == 0)
                {
                    continue; // leave the default: a tagged field that is not written
                }
            }
            var property = type.GetProperty(row.Property)!;
            var nullable = version >= row.NullableLowest && version <= row.NullableHighest;
            if (nullable && _random.Next(5) == 0)
            {
                property.SetValue(target, null);
                continue;
            }
            property.SetValue(target, RandomValue(property.PropertyType, version));
        }
        if (IsFlexible(type, version) && _random.Next(3) == 0)
        {
            var unknown = new List<RawTaggedField>();
            var tag = _random.Next(3);
            for (var i = 0; i < 1 + _random.Next(2); i++)
            {
                while (knownTags.Contains(tag))
                {
                    tag++;
                }
                unknown.Add(new RawTaggedField(tag, RandomBytes(6)));
                tag += 1 + _random.Next(40);
            }
            type.GetProperty("UnknownTaggedFields")!.SetValue(target, unknown);
        }
    }

    private byte[] RandomBytes(int maxLength)
    {
        var bytes = new byte[_random.Next(maxLength + 1)];
        _random.NextBytes(bytes);
        return bytes;
    }

    private object RandomValue(Type type, short version)
    {
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying == typeof(ReadOnlyMemory<byte>))
        {
            return new ReadOnlyMemory<byte>(RandomBytes(24));
        }
        if (type == typeof(sbyte))
        {
            return (sbyte)_random.Next(sbyte.MinValue, sbyte.MaxValue + 1);
        }
        if (type == typeof(short))
        {
            return (short)_random.Next(short.MinValue, short.MaxValue + 1);
        }
        if (type == typeof(ushort))
        {
            return (ushort)_random.Next(ushort.MaxValue + 1);
        }
        if (type == typeof(int))
        {
            return _random.Next(4) == 0 ? -1 : _random.Next(int.MinValue, int.MaxValue);
        }
        if (type == typeof(long))
        {
            return _random.NextInt64(long.MinValue, long.MaxValue);
        }
        if (type == typeof(double))
        {
            return (_random.NextDouble() - 0.5) * 1e9;
        }
        if (type == typeof(bool))
        {
            return _random.Next(2) == 0;
        }
        if (type == typeof(Guid))
        {
            var bytes = new byte[16];
            _random.NextBytes(bytes);
            return new Guid(bytes);
        }
        if (type == typeof(string))
        {
            var builder = new StringBuilder();
            for (var i = _random.Next(3); i > 0; i--)
            {
                builder.Append(Words[_random.Next(Words.Length)]);
            }
            return builder.ToString();
        }
        if (type == typeof(byte[]))
        {
            return RandomBytes(12);
        }
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))
        {
            var elementType = type.GetGenericArguments()[0];
            var list = (IList)Activator.CreateInstance(type)!;
            for (var i = _random.Next(4); i > 0; i--)
            {
                list.Add(RandomValue(elementType, version));
            }
            return list;
        }
        var nested = Activator.CreateInstance(type)!;
        Fill(nested, version);
        return nested;
    }
}
