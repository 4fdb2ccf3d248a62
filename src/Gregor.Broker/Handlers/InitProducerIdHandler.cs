using Gregor.Broker.Dispatch;
using Gregor.Cluster.Partitions;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// InitProducerId (API 22), versions 0-5: a fresh producer id (epoch 0) for idempotent producers,
/// from blocks the controller persists. Transactions are out of scope: a transactional id gets an
/// id whose epoch bumps on every call (see <see cref="ProducerIdManager"/>), nothing more.
/// </summary>
public sealed class InitProducerIdHandler(ProducerIdManager producerIds) : ApiHandler<InitProducerIdRequest, InitProducerIdResponse>
{
    public override ApiKey ApiKey => ApiKey.InitProducerId;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<InitProducerIdResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request, CancellationToken cancellationToken)
    {
        var (error, producerId, epoch) = await producerIds.InitProducerIdAsync(
            request.TransactionalId,
            context.ApiVersion >= 3 ? request.ProducerId : -1,
            context.ApiVersion >= 3 ? request.ProducerEpoch : (short)-1,
            cancellationToken).ConfigureAwait(false);
        return new InitProducerIdResponse { ErrorCode = (short)error, ProducerId = producerId, ProducerEpoch = epoch };
    }
}
