using Gregor.Broker.Dispatch;
using Gregor.Broker.Shares;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// ShareAcknowledge (key 79) v1-2: acknowledgements in an open share session (epoch 0 is
/// INVALID_SHARE_SESSION_EPOCH, −1 closes the session and releases the member's other records);
/// v2 adds RENEW (KIP-1222). Stateless.
/// </summary>
public sealed class ShareAcknowledgeHandler(SharePartitionManager shares) : ApiHandler<ShareAcknowledgeRequest, ShareAcknowledgeResponse>
{
    public override short MinVersion => 1;

    public override short MaxVersion => 2;

    protected override ValueTask<ShareAcknowledgeResponse?> HandleAsync(RequestContext context, ShareAcknowledgeRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult<ShareAcknowledgeResponse?>(shares.Acknowledge(context, request));
}
