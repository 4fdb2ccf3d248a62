using Gregor.Broker.Dispatch;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// CreatePartitions (v0-3): grows each topic to the requested count, placing the new partitions
/// on the registered brokers or on the given assignments. A topic named twice is INVALID_REQUEST.
/// </summary>
public sealed class CreatePartitionsHandler(IController controller) : ApiHandler<CreatePartitionsRequest, CreatePartitionsResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 3;

    protected override async ValueTask<CreatePartitionsResponse?> HandleAsync(
        RequestContext context, CreatePartitionsRequest request, CancellationToken cancellationToken)
    {
        var duplicates = request.Topics.GroupBy(t => t.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var response = new CreatePartitionsResponse();
        foreach (var topic in request.Topics)
        {
            var (error, message) = duplicates.Contains(topic.Name)
                ? (ErrorCode.InvalidRequest, "Duplicate topic in request.")
                : await controller.CreatePartitionsAsync(
                    topic.Name,
                    topic.Count,
                    topic.Assignments?.Select(a => a.BrokerIds.ToArray()).ToList(),
                    request.ValidateOnly,
                    cancellationToken).ConfigureAwait(false);
            response.Results.Add(new CreatePartitionsResponse.CreatePartitionsTopicResult
            {
                Name = topic.Name,
                ErrorCode = (short)error,
                ErrorMessage = message,
            });
        }
        return response;
    }
}
