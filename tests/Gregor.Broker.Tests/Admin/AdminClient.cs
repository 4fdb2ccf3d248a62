using Gregor.Protocol.Messages;

namespace Gregor.Broker.Tests.Admin;

/// <summary>Small request builders over <see cref="KafkaWire"/> for the admin handler tests.</summary>
internal sealed class AdminClient(RawKafkaConnection connection) : IDisposable
{
    private int _correlationId;

    public async Task<T> SendAsync<T>(IRequestMessage request, short version)
        where T : class, IResponseMessage, new() =>
        await KafkaWire.RoundTripAsync<T>(connection, request, version, ++_correlationId)
        ?? throw new InvalidOperationException("the broker closed the connection");

    public Task<CreateTopicsResponse> CreateTopicAsync(string name, int partitions = 1, short replicationFactor = 1,
        Dictionary<string, string>? configs = null, bool validateOnly = false, short version = 7)
    {
        var topic = new CreateTopicsRequest.CreatableTopic { Name = name, NumPartitions = partitions, ReplicationFactor = replicationFactor };
        foreach (var (key, value) in configs ?? [])
        {
            topic.Configs.Add(new CreateTopicsRequest.CreatableTopicConfig { Name = key, Value = value });
        }
        return SendAsync<CreateTopicsResponse>(new CreateTopicsRequest { Topics = [topic], timeoutMs = 30_000, validateOnly = validateOnly }, version);
    }

    public Task<MetadataResponse> MetadataAsync(IEnumerable<string>? topics, bool allowAutoCreate = true, short version = 12) =>
        SendAsync<MetadataResponse>(new MetadataRequest
        {
            Topics = topics?.Select(t => new MetadataRequest.MetadataRequestTopic { Name = t }).ToList(),
            AllowAutoTopicCreation = allowAutoCreate,
        }, version);

    public Task<DescribeConfigsResponse> DescribeTopicConfigsAsync(string topic, bool synonyms = false, short version = 4) =>
        SendAsync<DescribeConfigsResponse>(new DescribeConfigsRequest
        {
            Resources = [new DescribeConfigsRequest.DescribeConfigsResource { ResourceType = 2, ResourceName = topic, ConfigurationKeys = null }],
            IncludeSynonyms = synonyms,
        }, version);

    public void Dispose() => connection.Dispose();
}
