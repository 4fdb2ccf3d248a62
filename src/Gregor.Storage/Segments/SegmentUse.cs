namespace Gregor.Storage.Segments;

/// <summary>
/// One operation on a <see cref="LogSegment"/>'s files, from <see cref="LogSegment.Use"/> to
/// <see cref="Dispose"/> (<c>using var use = segment.Use();</c>): while it lasts the open-file
/// budget cannot close the files. A ref struct, so taking a use allocates nothing.
/// </summary>
internal readonly ref struct SegmentUse
{
    private readonly LogSegment _segment;

    public SegmentUse(LogSegment segment) => _segment = segment;

    public void Dispose() => _segment?.EndUse();
}
