namespace Gregor.Broker.Groups;

/// <summary>One protocol a member supports in JoinGroup (name such as "range", and its opaque metadata).</summary>
public sealed record GroupProtocol(string Name, byte[] Metadata);
