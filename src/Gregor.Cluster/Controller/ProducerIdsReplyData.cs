using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller;

/// <summary>The answer to AllocateProducerIds: an error, or the first id of a block of <see cref="Length"/> ids.</summary>
public sealed record ProducerIdsReplyData(ErrorCode Error, string? Message, long FirstProducerId, int Length);
