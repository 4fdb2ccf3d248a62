using Gregor.Cluster.Log;
using Gregor.Cluster.Records;

namespace Gregor.Cluster.Tests;

public sealed class FileMetadataLogStoreTests
{
    private static byte[] Batch(long offset, string name) =>
        MetadataBatch.Encode(offset, 1, 0, [new TopicRecord(name, Guid.NewGuid())]);

    [Fact]
    public async Task Reopen_ReturnsEveryAppendedBatchInOrder()
    {
        using var dir = new TempDirectory();
        using (var store = FileMetadataLogStore.Open(dir.Path))
        {
            await store.AppendAsync(Batch(0, "a"), TestContext.Current.CancellationToken);
            await store.AppendAsync(Batch(1, "b"), TestContext.Current.CancellationToken);
        }

        using var reopened = FileMetadataLogStore.Open(dir.Path);

        Assert.Equal(2, reopened.EndOffset);
        var names = reopened.ReadAll().Select(b => ((TopicRecord)MetadataBatch.Decode(b)[0].Record!).Name);
        Assert.Equal(["a", "b"], names);
    }

    [Fact]
    public async Task Open_AfterTornWrite_TruncatesToLastValidBatch()
    {
        using var dir = new TempDirectory();
        string path;
        using (var store = FileMetadataLogStore.Open(dir.Path))
        {
            await store.AppendAsync(Batch(0, "a"), TestContext.Current.CancellationToken);
            path = Path.Combine(store.Directory, "00000000000000000000.log");
        }
        // A crash mid-append: part of the next batch reached the file and no clean close followed.
        File.Delete(Path.Combine(Path.GetDirectoryName(path)!, ".gregor_cleanshutdown"));
        var validLength = new FileInfo(path).Length;
        var torn = Batch(1, "b");
        await using (var file = new FileStream(path, FileMode.Append))
        {
            await file.WriteAsync(torn.AsMemory(0, torn.Length - 5), TestContext.Current.CancellationToken);
        }

        using var reopened = FileMetadataLogStore.Open(dir.Path);

        Assert.Equal(1, reopened.EndOffset);
        Assert.Single(reopened.ReadAll());
        Assert.Equal(validLength, new FileInfo(path).Length);
        Assert.Equal(torn.Length - 5, reopened.TruncatedBytes);
        await reopened.AppendAsync(Batch(1, "c"), TestContext.Current.CancellationToken);
        Assert.Equal(2, reopened.EndOffset);
    }

    [Fact]
    public async Task Append_WithWrongBaseOffset_IsRefused()
    {
        using var dir = new TempDirectory();
        using var store = FileMetadataLogStore.Open(dir.Path);

        await Assert.ThrowsAsync<InvalidOperationException>(async () =>
            await store.AppendAsync(Batch(5, "a"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Open_LogWrittenAsOneBareSegmentFile_ReplaysItAndRebuildsTheIndexes()
    {
        // Before the metadata log moved onto the partition log engine it was a single .log file;
        // a data directory from then must still open, with indexes rebuilt by the engine.
        using var dir = new TempDirectory();
        var partitionDir = Path.Combine(dir.Path, FileMetadataLogStore.MetadataDirectoryName, FileMetadataLogStore.DirectoryName);
        Directory.CreateDirectory(partitionDir);
        byte[] bytes = [.. Batch(0, "a"), .. Batch(1, "b")];
        await File.WriteAllBytesAsync(Path.Combine(partitionDir, "00000000000000000000.log"), bytes, TestContext.Current.CancellationToken);

        using var store = FileMetadataLogStore.Open(dir.Path);

        Assert.Equal(2, store.EndOffset);
        Assert.Equal(["a", "b"], store.ReadAll().Select(b => ((TopicRecord)MetadataBatch.Decode(b)[0].Record!).Name));
        Assert.True(File.Exists(Path.Combine(partitionDir, "00000000000000000000.index")));
        await store.AppendAsync(Batch(2, "c"), TestContext.Current.CancellationToken);
        Assert.Equal(3, store.EndOffset);
    }
}
