namespace Gregor.Broker.Quorum;

/// <summary>
/// What <c>gregor storage format</c> was asked to do (kafka-storage.sh format's flags): the
/// cluster id, and at most one of <see cref="Standalone"/> (this controller is the whole initial
/// voter set), <see cref="InitialControllers"/> (the initial voter set, KIP-853) or
/// <see cref="NoInitialControllers"/> (join an existing dynamic quorum later). Immutable.
/// </summary>
public sealed record StorageFormatOptions
{
    public required string ClusterId { get; init; }
    public bool Standalone { get; init; }
    public string? InitialControllers { get; init; }
    public bool NoInitialControllers { get; init; }
    /// <summary>Skip directories that are already formatted instead of failing.</summary>
    public bool IgnoreFormatted { get; init; }
}
