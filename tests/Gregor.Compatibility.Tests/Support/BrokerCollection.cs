namespace Gregor.Compatibility.Tests.Support;

/// <summary>
/// Every compatibility test class joins this collection, so the tests run one at a time: each
/// starts its own broker process and real clients, and on a 2-core machine running them in
/// parallel makes group rebalances and timeouts unpredictable.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrokerCollection
{
    public const string Name = "gregor process";
}
