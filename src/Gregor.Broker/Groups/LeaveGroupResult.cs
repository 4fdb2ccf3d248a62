using Gregor.Protocol.Errors;

namespace Gregor.Broker.Groups;

/// <summary>LeaveGroup outcome: a top-level error and one error per leaving member, in request order.</summary>
public sealed record LeaveGroupResult(ErrorCode Error, IReadOnlyList<ErrorCode> MemberErrors);
