using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Partitions;

/// <summary>
/// The outcome of <see cref="ReplicaManager.FetchAsync"/>: a top-level error (fetch-session
/// errors), the session id to return, and the partitions to answer, in request order for full
/// fetches and only the changed ones for incremental fetches.
/// <para>
/// Owns the fetched records of its partitions (pinned file ranges): dispose it only after the response bytes
/// were written to the connection (the fetch handler attaches it to the response for that).
/// </para>
/// </summary>
public sealed class FetchResult(ErrorCode error, int sessionId, IReadOnlyList<FetchPartitionResult> partitions) : IDisposable
{
    public ErrorCode Error { get; } = error;

    public int SessionId { get; } = sessionId;

    public IReadOnlyList<FetchPartitionResult> Partitions { get; } = partitions;

    public void Dispose()
    {
        foreach (var partition in Partitions)
        {
            partition.Records?.Release();
        }
    }
}
