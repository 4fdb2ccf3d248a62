using Gregor.Broker.Dispatch;
using Gregor.Cluster.Partitions;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// InitProducerId (API 22), versions 0-5: a fresh producer id (epoch 0) for idempotent producers,
/// from blocks the controller persists. Transactions are out of scope: a transactional id gets an
/// id whose epoch bumps on every call (see <see cref="ProducerIdManager"/>), nothing more — but the
/// request is checked as Kafka checks it first (a transaction timeout above
/// transaction.max.timeout.ms is INVALID_TRANSACTION_TIMEOUT, see
/// <see cref="ProducerIdManager.ValidateInitProducerId"/>).
/// </summary>
public sealed class InitProducerIdHandler(ProducerIdManager producerIds) : ApiHandler<InitProducerIdRequest, InitProducerIdResponse>
{
    public override ApiKey ApiKey => ApiKey.InitProducerId;

    public override short MinVersion => 0;

    public override short MaxVersion => 5;

    protected override async ValueTask<InitProducerIdResponse?> HandleAsync(RequestContext context, InitProducerIdRequest request, CancellationToken cancellationToken)
    {
        var currentId = context.ApiVersion >= 3 ? request.ProducerId : -1;
        var currentEpoch = context.ApiVersion >= 3 ? request.ProducerEpoch : (short)-1;
        var invalid = producerIds.ValidateInitProducerId(request.TransactionalId, request.TransactionTimeoutMs, currentId, currentEpoch);
        if (invalid != ErrorCode.None)
        {
            return new InitProducerIdResponse { ErrorCode = (short)invalid, ProducerId = -1, ProducerEpoch = -1 };
        }
        var (error, producerId, epoch) = await producerIds.InitProducerIdAsync(
            request.TransactionalId,
            currentId,
            currentEpoch,
            cancellationToken).ConfigureAwait(false);
        return new InitProducerIdResponse { ErrorCode = (short)error, ProducerId = producerId, ProducerEpoch = epoch };
    }
}
