using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Gregor.Broker.Config;
using Gregor.Broker.Quorum;
using Gregor.Cluster.Controller;
using Gregor.Cluster.Metadata;
using Gregor.Protocol.Errors;
using Gregor.Protocol.Messages;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gregor.Broker.Tests.Quorum;

/// <summary>
/// <see cref="NodeController"/>'s forwarding over a fake link to the active controller: a leader
/// change fails the in-flight forward over at once, and a retried CreateTopics whose first attempt
/// committed without an answer is not told TOPIC_ALREADY_EXISTS for its own topic.
/// </summary>
public sealed class NodeControllerForwardingTests
{
    // Well under NodeController's 5 s forward timeout: the change must not wait for it.
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task CreateTopic_LeaderMovesWhileTheForwardIsUnanswered_RetriesAtTheNewLeaderAtOnce()
    {
        var link = new FakeLink(leader: 1);
        var publisher = new FakePublisher();
        link.Answer = (node, _) => node == 1 ? link.Unanswered() : Task.FromResult<IResponseMessage>(Created("t1"));
        var controller = NewController(link, publisher);

        var watch = Stopwatch.StartNew();
        var create = controller.CreateTopicAsync(Spec("t1", 1, 1), validateOnly: false, TestContext.Current.CancellationToken);
        await link.WaitForSendAsync(1);
        link.MoveLeader(2);
        var outcome = await create.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.None, outcome.Error);
        Assert.True(watch.Elapsed < FailoverBound, $"took {watch.Elapsed.TotalMilliseconds:F0} ms: the forward waited for its timeout, not the leader change");
        Assert.Equal([1, 2], link.SentTo);
    }

    [Fact]
    public async Task CreateTopic_FirstAttemptCommittedButItsAnswerWasLost_RetryAnswersSuccessWithTheTopicsId()
    {
        var link = new FakeLink(leader: 1);
        var publisher = new FakePublisher();
        var id = Guid.NewGuid();
        link.Answer = (node, _) =>
        {
            if (node == 1)
            {
                // The old leader commits the topic (every node replays it), then dies before answering.
                publisher.Publish(Topic("t2", id, partitions: 3, replication: 1, ("retention.ms", "1000")));
                return link.Unanswered();
            }
            return Task.FromResult<IResponseMessage>(AlreadyExists("t2"));
        };
        var controller = NewController(link, publisher);

        var create = controller.CreateTopicAsync(Spec("t2", 3, 1, ("retention.ms", "1000")), validateOnly: false, TestContext.Current.CancellationToken);
        await link.WaitForSendAsync(1);
        link.MoveLeader(2);
        var outcome = await create.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.True(outcome.Error == ErrorCode.None, $"{outcome.Error}: {outcome.Message}");
        Assert.Equal(id, outcome.TopicId);
        Assert.Equal(3, outcome.NumPartitions);
        Assert.Equal((short)1, outcome.ReplicationFactor);
        Assert.Equal("1000", outcome.EffectiveConfigs["retention.ms"]);
    }

    [Fact]
    public async Task CreateTopic_RetryMeetsADifferentExistingTopic_KeepsTopicAlreadyExists()
    {
        var link = new FakeLink(leader: 1);
        var publisher = new FakePublisher();
        publisher.Publish(Topic("t3", Guid.NewGuid(), partitions: 5, replication: 1));
        link.Answer = (node, _) => node == 1 ? link.Unanswered() : Task.FromResult<IResponseMessage>(AlreadyExists("t3"));
        var controller = NewController(link, publisher);

        var create = controller.CreateTopicAsync(Spec("t3", 3, 1), validateOnly: false, TestContext.Current.CancellationToken);
        await link.WaitForSendAsync(1);
        link.MoveLeader(2);
        var outcome = await create.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.TopicAlreadyExists, outcome.Error);
    }

    [Fact]
    public async Task CreateTopic_AnsweredTopicAlreadyExistsOnTheFirstAttempt_KeepsIt_EvenForAnIdenticalTopic()
    {
        var link = new FakeLink(leader: 1);
        var publisher = new FakePublisher();
        publisher.Publish(Topic("t4", Guid.NewGuid(), partitions: 1, replication: 1));
        link.Answer = (_, _) => Task.FromResult<IResponseMessage>(AlreadyExists("t4"));
        var controller = NewController(link, publisher);

        var outcome = await controller.CreateTopicAsync(Spec("t4", 1, 1), validateOnly: false, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.TopicAlreadyExists, outcome.Error);
        Assert.Equal([1], link.SentTo);
    }

    [Fact]
    public async Task DeleteTopic_NotControllerWhileTheLeaderMoves_IsRetriedAtTheNewLeader_NotLeaked()
    {
        var link = new FakeLink(leader: 1);
        link.Answer = (node, _) => Task.FromResult<IResponseMessage>(new DeleteTopicsResponse
        {
            Responses = [new DeleteTopicsResponse.DeletableTopicResult { Name = "t5", ErrorCode = (short)(node == 1 ? ErrorCode.NotController : ErrorCode.None) }],
        });
        var controller = NewController(link, new FakePublisher());
        link.OnSend = node =>
        {
            if (node == 1)
            {
                link.MoveLeader(2);
            }
        };

        var (error, _) = await controller.DeleteTopicAsync("t5", TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(ErrorCode.None, error);
        Assert.Equal([1, 2], link.SentTo);
    }

    private static NodeController NewController(FakeLink link, FakePublisher publisher)
    {
        var config = BrokerConfig.Default;
        var controller = new NodeController(config, new QuorumNode(config, NullLoggerFactory.Instance),
            () => new QuorumController(new QuorumControllerOptions { NodeId = config.NodeId }))
        {
            LinkOverride = link,
        };
        controller.Attach(publisher, controller: null);
        return controller;
    }

    private static CreateTopicSpec Spec(string name, int partitions, short replication, params (string Key, string Value)[] configs) =>
        new(name, partitions, replication, configs.ToDictionary(c => c.Key, c => (string?)c.Value));

    private static CreateTopicsResponse Created(string name) => new()
    {
        Topics = [new CreateTopicsResponse.CreatableTopicResult { Name = name, TopicId = Guid.NewGuid(), NumPartitions = 1, ReplicationFactor = 1, Configs = [] }],
    };

    private static CreateTopicsResponse AlreadyExists(string name) => new()
    {
        Topics = [new CreateTopicsResponse.CreatableTopicResult
        {
            Name = name,
            ErrorCode = (short)ErrorCode.TopicAlreadyExists,
            ErrorMessage = $"Topic '{name}' already exists.",
            NumPartitions = -1,
            ReplicationFactor = -1,
            Configs = [],
        }],
    };

    private static TopicImage Topic(string name, Guid id, int partitions, int replication, params (string Key, string Value)[] configs) => new(
        name,
        id,
        Enumerable.Range(0, partitions).ToImmutableDictionary(p => p, p => new PartitionImage(p, 1, 0, [.. Enumerable.Range(1, replication)], [.. Enumerable.Range(1, replication)])),
        configs.ToImmutableDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal));

    private sealed class FakeLink(int leader) : IControllerLink
    {
        private readonly Lock _lock = new();
        private readonly ConcurrentQueue<int> _sentTo = new();
        private readonly ConcurrentDictionary<int, TaskCompletionSource> _sent = new();
        private int? _leader = leader;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Func<int, CancellationToken, Task<IResponseMessage>> Answer { get; set; } = (_, _) => throw new IOException("no answer set");

        public Action<int>? OnSend { get; set; }

        public int[] SentTo => [.. _sentTo];

        public int? LeaderId
        {
            get
            {
                lock (_lock)
                {
                    return _leader;
                }
            }
        }

        /// <summary>An answer that never comes (the node died after receiving the request); only the caller's token ends it.</summary>
        public Task<IResponseMessage> Unanswered() => new TaskCompletionSource<IResponseMessage>().Task;

        public void MoveLeader(int? next)
        {
            TaskCompletionSource changed;
            lock (_lock)
            {
                _leader = next;
                changed = _changed;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            changed.TrySetResult();
        }

        public Task WaitForSendAsync(int node) => _sent.GetOrAdd(node, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        public async Task LeaderChangedAsync(int? from, CancellationToken cancellationToken)
        {
            while (true)
            {
                Task changed;
                lock (_lock)
                {
                    if (_leader != from)
                    {
                        return;
                    }
                    changed = _changed.Task;
                }
                await changed.WaitAsync(cancellationToken);
            }
        }

        public Task<IResponseMessage> SendAsync(int nodeId, IRequestMessage request, short version, CancellationToken cancellationToken)
        {
            _sentTo.Enqueue(nodeId);
            OnSend?.Invoke(nodeId);
            var answer = Answer(nodeId, cancellationToken).WaitAsync(cancellationToken);
            _sent.GetOrAdd(nodeId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            return answer;
        }
    }

    private sealed class FakePublisher : IMetadataPublisher
    {
        private readonly Lock _lock = new();
        private readonly List<Action<MetadataImage, MetadataImage>> _subscribers = [];

        public MetadataImage Current { get; private set; } = MetadataImage.Empty("test-cluster", 1);

        public void Publish(TopicImage topic)
        {
            Action<MetadataImage, MetadataImage>[] subscribers;
            MetadataImage before, after;
            lock (_lock)
            {
                before = Current;
                after = before with
                {
                    Offset = before.Offset + 1,
                    TopicsByName = before.TopicsByName.SetItem(topic.Name, topic),
                    TopicsById = before.TopicsById.SetItem(topic.TopicId, topic),
                };
                Current = after;
                subscribers = [.. _subscribers];
            }
            foreach (var subscriber in subscribers)
            {
                subscriber(before, after);
            }
        }

        public IDisposable Subscribe(Action<MetadataImage, MetadataImage> onPublished)
        {
            lock (_lock)
            {
                _subscribers.Add(onPublished);
            }
            return new Unsubscribe(() =>
            {
                lock (_lock)
                {
                    _subscribers.Remove(onPublished);
                }
            });
        }

        private sealed class Unsubscribe(Action action) : IDisposable
        {
            public void Dispose() => action();
        }
    }
}
