namespace Gregor.Broker.Groups;

/// <summary>One member leaving (LeaveGroup v3+ batches several; older versions send one member id).</summary>
public sealed record LeaveGroupMember(string MemberId, string? GroupInstanceId);
