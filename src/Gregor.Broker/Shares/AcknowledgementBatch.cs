namespace Gregor.Broker.Shares;

/// <summary>
/// One acknowledgement batch of ShareFetch / ShareAcknowledge: inclusive offsets and either one
/// type for the whole range or one type per offset (as Kafka's AcknowledgementBatch).
/// </summary>
public readonly record struct AcknowledgementBatch(long FirstOffset, long LastOffset, IReadOnlyList<byte> Types)
{
    public AcknowledgeType TypeAt(long offset) =>
        (AcknowledgeType)(Types.Count == 1 ? Types[0] : Types[(int)(offset - FirstOffset)]);
}
