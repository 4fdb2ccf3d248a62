using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>OffsetFetch outcome for one group.</summary>
public sealed record OffsetFetchResult(ErrorCode Error, IReadOnlyList<OffsetFetchPartition> Partitions);
