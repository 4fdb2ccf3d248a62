using Gregor.Protocol.Messages;

namespace Gregor.Broker.Quorum;

/// <summary>
/// What <see cref="NodeController"/> needs to forward to the active controller: the leader this
/// node knows, a signal when that changes, and a request channel to a voter. The Raft driver is
/// the production one; tests give a fake to drive leader moves and lost answers.
/// </summary>
internal interface IControllerLink
{
    /// <summary>The Raft leader (the active controller) as this node knows it, or null during an election.</summary>
    int? LeaderId { get; }

    /// <summary>Completes once the known leader is no longer <paramref name="leader"/>.</summary>
    Task LeaderChangedAsync(int? leader, CancellationToken cancellationToken);

    /// <summary>Sends <paramref name="request"/> to voter <paramref name="nodeId"/>'s controller listener; throws <see cref="IOException"/> when it cannot be reached.</summary>
    Task<IResponseMessage> SendAsync(int nodeId, IRequestMessage request, short version, CancellationToken cancellationToken);
}
