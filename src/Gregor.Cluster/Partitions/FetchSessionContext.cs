using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// What one fetch request means with respect to fetch sessions: an error (unknown session, wrong
/// epoch), or the partitions to read plus how to shape the response — all of them for a full or
/// sessionless fetch, only the changed ones for an incremental fetch. Created by
/// <see cref="FetchSessionCache.Begin"/>, used once.
/// </summary>
internal sealed class FetchSessionContext
{
    private readonly FetchSession? _session;
    private readonly bool _incremental;

    private FetchSessionContext(ErrorCode error, int sessionId, FetchSession? session, bool incremental, IReadOnlyList<FetchPartitionSpec> toRead)
    {
        Error = error;
        SessionId = sessionId;
        _session = session;
        _incremental = incremental;
        ToRead = toRead;
    }

    public ErrorCode Error { get; }

    /// <summary>Session id for the response (0 = no session).</summary>
    public int SessionId { get; }

    public IReadOnlyList<FetchPartitionSpec> ToRead { get; }

    public bool IsIncremental => _incremental;

    public static FetchSessionContext Failed(ErrorCode error) => new(error, 0, null, false, []);

    public static FetchSessionContext Full(FetchSession? session, IReadOnlyList<FetchPartitionSpec> partitions) =>
        new(ErrorCode.None, session?.Id ?? 0, session, false, partitions);

    public static FetchSessionContext Incremental(FetchSession session, IReadOnlyList<FetchPartitionSpec> partitions) =>
        new(ErrorCode.None, session.Id, session, true, partitions);

    /// <summary>
    /// Records the response in the session and returns the partitions to send: all for a full
    /// fetch, the changed ones for an incremental fetch.
    /// </summary>
    public IReadOnlyList<FetchPartitionResult> Complete(List<FetchPartitionResult> results)
    {
        if (_session is null)
        {
            return results;
        }
        lock (_session.SyncRoot)
        {
            if (!_incremental)
            {
                foreach (var result in results)
                {
                    _session.UpdateAndCheckChanged(result);
                }
                return results;
            }
            var changed = new List<FetchPartitionResult>(results.Count);
            foreach (var result in results)
            {
                if (_session.UpdateAndCheckChanged(result))
                {
                    changed.Add(result);
                    if (result.RecordBytes > 0)
                    {
                        _session.MoveToEnd(result.Key);
                    }
                }
                else
                {
                    result.Records?.Release();
                }
            }
            return changed;
        }
    }
}
