namespace Gregor.WebConsole;

/// <summary>
/// One picture of the cluster taken by <see cref="TopologySampler"/>: the topology JSON the page
/// draws (sent as is to every SSE subscriber), plus the parts other console views reuse. Immutable.
/// </summary>
internal sealed record ConsoleSample(
    long TimeMs,
    byte[] Json,
    IReadOnlyDictionary<string, object> Groups,
    IReadOnlyList<object> Requests);
