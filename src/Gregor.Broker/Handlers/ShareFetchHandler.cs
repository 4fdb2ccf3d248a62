using Gregor.Broker.Dispatch;
using Gregor.Broker.Shares;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// ShareFetch (key 78) v1-2 (v0 was removed from Kafka and is never offered): share sessions,
/// piggybacked acknowledgements, acquisition and long poll, all in the <see cref="SharePartitionManager"/>;
/// v2 adds RENEW acknowledgements and renew-only requests (KIP-1222). The response carries the
/// stored batches as file ranges, released once written.
/// </summary>
public sealed class ShareFetchHandler(SharePartitionManager shares) : ApiHandler<ShareFetchRequest, ShareFetchResponse>
{
    public override short MinVersion => 1;

    public override short MaxVersion => 2;

    protected override async ValueTask<ShareFetchResponse?> HandleAsync(RequestContext context, ShareFetchRequest request, CancellationToken cancellationToken) =>
        await shares.FetchAsync(context, request, cancellationToken).ConfigureAwait(false);
}
