namespace Gregor.Broker.Shares;

/// <summary>The states of a share group (Kafka's ShareGroup.ShareGroupState): Empty without members, Stable with some, Dead once deleted.</summary>
public enum ShareGroupState
{
    Empty,
    Stable,
    Dead,
}
