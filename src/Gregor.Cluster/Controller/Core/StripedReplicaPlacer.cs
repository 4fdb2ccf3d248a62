using Gregor.Protocol.Errors;

namespace Gregor.Cluster.Controller.Core;

/// <summary>
/// Kafka's StripedReplicaPlacer: places the partitions of one request over the usable (unfenced)
/// brokers so that leaders and replicas spread evenly and, when brokers have racks, each
/// partition's replicas land on as many racks as possible. Racks are visited round-robin from a
/// random start; within a rack brokers are taken round-robin from a random offset; once every
/// broker has led a partition the lists are reshuffled, so large topics do not repeat one
/// pattern. The first replica is the preferred leader. Randomness comes only from the injected
/// PRNG, so a seeded run is reproducible. One placer per request; not thread-safe.
/// </summary>
public sealed class StripedReplicaPlacer
{
    private readonly Random _random;
    private readonly List<string?> _racks = [];
    private readonly Dictionary<string, BrokerList> _byRack = new(StringComparer.Ordinal);
    private readonly BrokerList _noRack = new();
    private readonly int _brokerCount;
    private int _epoch;
    private int _offset;

    public StripedReplicaPlacer(IEnumerable<UsableBroker> brokers, Random random)
    {
        _random = random;
        // Sorted first so that the outcome depends on the PRNG only, not on dictionary order.
        foreach (var broker in brokers.OrderBy(b => b.Id))
        {
            ListOf(broker.Rack).Add(broker.Id);
            _brokerCount++;
        }
        foreach (var rack in _racks)
        {
            ListOf(rack).Shuffle(random);
        }
        Shuffle(_racks, random);
        _offset = _racks.Count == 0 ? 0 : random.Next(_racks.Count);
    }

    /// <summary>The number of brokers replicas can be placed on.</summary>
    public int BrokerCount => _brokerCount;

    /// <summary>
    /// The replicas of the next partition (first = leader), or INVALID_REPLICATION_FACTOR with
    /// Kafka's message when fewer brokers are usable than replicas asked for.
    /// </summary>
    public (ErrorCode Error, string? Message, int[]? Replicas) Place(int replicationFactor)
    {
        if (replicationFactor <= 0)
        {
            return (ErrorCode.InvalidReplicationFactor, "Replication factor must be larger than 0, or -1 to use the default value.", null);
        }
        if (_brokerCount == 0)
        {
            return (ErrorCode.InvalidReplicationFactor, "All brokers are currently fenced.", null);
        }
        if (replicationFactor > _brokerCount)
        {
            return (ErrorCode.InvalidReplicationFactor,
                $"Unable to replicate the partition {replicationFactor} time(s): The target replication factor of {replicationFactor} " +
                $"cannot be reached because only {_brokerCount} broker(s) are registered.", null);
        }
        // Every broker has led once since the last shuffle: reshuffle so the next round differs
        // (not with one broker: it would never advance).
        if (_epoch == _brokerCount && _brokerCount > 1)
        {
            foreach (var rack in _racks)
            {
                ListOf(rack).Shuffle(_random);
            }
            Shuffle(_racks, _random);
            _epoch = 0;
        }
        if (_offset >= _racks.Count)
        {
            _offset = 0;
        }
        var replicas = new List<int>(replicationFactor);
        var first = _offset;
        while (true)
        {
            var leader = ListOf(_racks[first]).Next(_epoch);
            if (leader >= 0)
            {
                replicas.Add(leader);
                break;
            }
            first = (first + 1) % _racks.Count;
        }
        var rackIndex = _offset;
        while (replicas.Count < replicationFactor)
        {
            rackIndex = (rackIndex + 1) % _racks.Count;
            var next = ListOf(_racks[rackIndex]).Next(_epoch);
            if (next >= 0)
            {
                replicas.Add(next);
            }
        }
        _epoch++;
        _offset++;
        return (ErrorCode.None, null, [.. replicas]);
    }

    private BrokerList ListOf(string? rack)
    {
        if (rack is null)
        {
            if (!_racks.Contains(null))
            {
                _racks.Add(null);
            }
            return _noRack;
        }
        if (!_byRack.TryGetValue(rack, out var list))
        {
            list = new BrokerList();
            _byRack[rack] = list;
            _racks.Add(rack);
        }
        return list;
    }

    private static void Shuffle<T>(List<T> items, Random random)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>
    /// The brokers of one rack, handed out round-robin: each placement epoch starts one further
    /// along, and within an epoch no broker is handed out twice (-1 once all were).
    /// </summary>
    private sealed class BrokerList
    {
        private readonly List<int> _brokers = [];
        private int _epoch;
        private int _index;
        private int _offset;

        public void Add(int broker) => _brokers.Add(broker);

        public int Next(int epoch)
        {
            if (_brokers.Count == 0)
            {
                return -1;
            }
            if (_epoch != epoch)
            {
                _epoch = epoch;
                _index = 0;
                _offset = (_offset + 1) % _brokers.Count;
            }
            if (_index >= _brokers.Count)
            {
                return -1;
            }
            var broker = _brokers[(_index + _offset) % _brokers.Count];
            _index++;
            return broker;
        }

        public void Shuffle(Random random)
        {
            StripedReplicaPlacer.Shuffle(_brokers, random);
            _offset = _brokers.Count == 0 ? 0 : random.Next(_brokers.Count);
        }
    }
}
