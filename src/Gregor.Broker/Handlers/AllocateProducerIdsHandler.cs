using Gregor.Broker.Dispatch;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Partitions;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// AllocateProducerIds (API 67, v0): the active controller hands a broker a block of
/// <see cref="ProducerIdManager.DefaultBlockSize"/> producer ids (Kafka's fixed block size),
/// committed before the reply so ids never repeat. A node that is not the active controller
/// answers NOT_CONTROLLER; the asking broker retries.
/// </summary>
public sealed class AllocateProducerIdsHandler(QuorumNode quorum) : ApiHandler<AllocateProducerIdsRequest, AllocateProducerIdsResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 0;

    protected override async ValueTask<AllocateProducerIdsResponse?> HandleAsync(RequestContext context, AllocateProducerIdsRequest request, CancellationToken cancellationToken)
    {
        if (quorum.Controller is not { } controller)
        {
            return new AllocateProducerIdsResponse { ErrorCode = (short)ErrorCode.NotController, ProducerIdStart = -1 };
        }
        var reply = new TaskCompletionSource<ProducerIdsReplyData>(TaskCreationOptions.RunContinuationsAsynchronously);
        await controller.Driver.InvokeAsync(
            () => controller.Core.AllocateProducerIds(request.BrokerId, request.BrokerEpoch, ProducerIdManager.DefaultBlockSize, r => reply.TrySetResult(r)),
            cancellationToken).ConfigureAwait(false);
        var result = await reply.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new AllocateProducerIdsResponse
        {
            ErrorCode = (short)result.Error,
            ProducerIdStart = result.FirstProducerId,
            ProducerIdLen = result.Length,
        };
    }
}
