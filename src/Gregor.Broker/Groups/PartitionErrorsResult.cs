using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>A top-level error plus one error per partition in request order (OffsetDelete).</summary>
public sealed record PartitionErrorsResult(ErrorCode Error, IReadOnlyList<ErrorCode> PartitionErrors);
