using Gregor.Broker.Dispatch;
using Gregor.Cluster.Controller;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;

namespace Gregor.Broker.Handlers;

/// <summary>
/// DeleteTopics (v0-6): by name (v0-5 TopicNames, v6 Topics[].Name) or by id (v6
/// Topics[].TopicId). Deletion is one RemoveTopicRecord each; the replica manager removes the
/// logs when it sees the new image. A topic named twice, or an entry with both or neither of
/// name and id, is INVALID_REQUEST.
/// </summary>
public sealed class DeleteTopicsHandler(IController controller) : ApiHandler<DeleteTopicsRequest, DeleteTopicsResponse>
{
    public override short MinVersion => 0;
    public override short MaxVersion => 6;

    protected override async ValueTask<DeleteTopicsResponse?> HandleAsync(
        RequestContext context, DeleteTopicsRequest request, CancellationToken cancellationToken)
    {
        var entries = context.ApiVersion >= 6
            ? request.Topics.Select(t => (t.Name, t.TopicId)).ToList()
            : request.TopicNames.Select(n => ((string?)n, Guid.Empty)).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicates = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, id) in entries)
        {
            var key = name ?? id.ToString();
            if (!seen.Add(key))
            {
                duplicates.Add(key);
            }
        }
        var response = new DeleteTopicsResponse();
        foreach (var (name, id) in entries)
        {
            var image = controller.Current;
            var result = new DeleteTopicsResponse.DeletableTopicResult { Name = name, TopicId = id };
            if (duplicates.Contains(name ?? id.ToString()))
            {
                (result.ErrorCode, result.ErrorMessage) = ((short)ErrorCode.InvalidRequest, "Duplicate topic in request.");
            }
            else if ((name is null) == (id == Guid.Empty))
            {
                (result.ErrorCode, result.ErrorMessage) = ((short)ErrorCode.InvalidRequest, "Each topic must name exactly one of a topic name and a topic id.");
            }
            else
            {
                if (name is null && image.TopicsById.TryGetValue(id, out var byId))
                {
                    result.Name = byId.Name;
                }
                else if (name is not null && image.Topic(name) is { } byName)
                {
                    result.TopicId = byName.TopicId;
                }
                var (error, message) = name is null
                    ? await controller.DeleteTopicAsync(id, cancellationToken).ConfigureAwait(false)
                    : await controller.DeleteTopicAsync(name, cancellationToken).ConfigureAwait(false);
                (result.ErrorCode, result.ErrorMessage) = ((short)error, message);
            }
            response.Responses.Add(result);
        }
        return response;
    }
}
