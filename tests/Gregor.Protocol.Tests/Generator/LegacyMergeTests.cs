using Gregor.Protocol.Generator;

namespace Gregor.Protocol.Tests.Generator;

/// <summary>
/// The merge of legacy-2024 versions into the current specs: for every version that exists only
/// in the legacy spec, the merged message carries exactly the legacy spec's fields, in order,
/// with the same types, nullability and tags.
/// </summary>
public sealed class LegacyMergeTests
{
    [Fact]
    public void MergedMessages_AtLegacyOnlyVersions_MatchTheLegacySpecFieldForField()
    {
        var specDir = SpecFolder.SpecDir;
        var merged = SpecLoader.LoadMessages(specDir).Where(m => !m.LegacyOnlyVersions.IsEmpty).ToList();
        Assert.Contains(merged, m => m.Name == "ProduceRequest");
        Assert.Contains(merged, m => m.Name == "OffsetCommitRequest");
        foreach (var message in merged)
        {
            var legacy = SpecLoader.LoadFile(Path.Combine(specDir, SpecLoader.LegacyFolder, message.Name + ".json"))!;
            for (var version = message.LegacyOnlyVersions.Lowest; version <= message.LegacyOnlyVersions.Highest; version++)
            {
                var expected = Flatten(legacy.Fields, legacy.CommonStructs, version, "");
                var actual = Flatten(message.Fields, message.CommonStructs, version, "");
                Assert.True(expected.SequenceEqual(actual),
                    $"{message.Name} v{version}:\n legacy: {string.Join(", ", expected)}\n merged: {string.Join(", ", actual)}");
            }
        }
    }

    [Fact]
    public void LegacyOnlyFields_AreMergedInAtTheirLegacyPosition()
    {
        var specDir = SpecFolder.SpecDir;
        var offsetCommit = SpecLoader.LoadMessages(specDir).Single(m => m.Name == "OffsetCommitRequest");
        Assert.Equal(0, offsetCommit.ValidVersions.Lowest);
        var partition = offsetCommit.Fields.Single(f => f.Name == "Topics").Fields!.Single(f => f.Name == "Partitions").Fields!;
        var names = partition.Select(f => f.Name).ToList();
        // Legacy order: ..., CommittedLeaderEpoch, CommitTimestamp (v1 only), CommittedMetadata.
        Assert.Equal(names.IndexOf("CommittedLeaderEpoch") + 1, names.IndexOf("CommitTimestamp"));
        Assert.Equal(names.IndexOf("CommitTimestamp") + 1, names.IndexOf("CommittedMetadata"));
        Assert.Equal(new VersionRange(1, 1), partition.Single(f => f.Name == "CommitTimestamp").Versions);
    }

    private static List<string> Flatten(List<FieldSpec> fields, List<StructSpec> common, short version, string prefix)
    {
        var result = new List<string>();
        foreach (var field in fields)
        {
            if (!field.Versions.Contains(version))
            {
                continue;
            }
            var tagged = field.Tag is not null && field.TaggedVersions.Contains(version) ? $"tag{field.Tag}" : "";
            result.Add($"{prefix}{field.Name}:{field.Type}:{(field.NullableVersions.Contains(version) ? "null" : "")}:{tagged}");
            if (field.IsStructType)
            {
                var nested = field.Fields ?? common.Single(s => s.Name == field.ElementType).Fields;
                result.AddRange(Flatten(nested, common, version, prefix + field.Name + "."));
            }
        }
        return result;
    }
}
