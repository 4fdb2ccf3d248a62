using System.Reflection;
using Gregor.Protocol.Messages;

namespace Gregor.Protocol.Tests.Messages;

/// <summary>Reflection over the generated message classes for the data-driven tests. Stateless.</summary>
internal static class GeneratedMessages
{
    public static readonly IReadOnlyList<Type> All = typeof(IApiMessage).Assembly.GetTypes()
        .Where(t => t.IsClass && !t.IsAbstract && typeof(IApiMessage).IsAssignableFrom(t))
        .OrderBy(t => t.Name, StringComparer.Ordinal)
        .ToList();

    public static Type ByName(string name) => All.Single(t => t.Name == name);

    public static short Constant(Type type, string name) =>
        (short)type.GetField(name, BindingFlags.Public | BindingFlags.Static)!.GetRawConstantValue()!;

    public static (short Lowest, short Highest) ReadableVersions(Type type) =>
        (Constant(type, "LowestSupportedVersion"), Constant(type, "HighestVersionIncludingUnstable"));

    public static bool IsFlexible(Type type, short version) =>
        (bool)type.GetMethod("IsFlexible", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [version])!;

    /// <summary>Messages with at least one version (the ZooKeeper-era APIs have none today).</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var type in All)
        {
            var (lowest, highest) = ReadableVersions(type);
            if (highest >= lowest)
            {
                data.Add(type.Name);
            }
        }
        return data;
    }

    /// <summary>A seed that depends on the text only (string.GetHashCode is randomised per process).</summary>
    public static int StableSeed(string text, int salt)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash ^ (uint)salt * 2654435761u);
    }
}
