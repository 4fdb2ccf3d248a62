using System.Buffers.Binary;
using Gregor.Capture.Spec;

namespace Gregor.Capture.Proxy;

/// <summary>
/// Writes client request frames to <c>&lt;client&gt;-&lt;Api&gt;-v&lt;version&gt;-&lt;n&gt;.bin</c>
/// in the output folder. A file holds one frame without its 4-byte size prefix: the request
/// header then the body, exactly as the client sent them. n counts from 1 per API and
/// version; repetitive APIs (Fetch, Heartbeat, Metadata, ListOffsets) keep only the first
/// few frames so the golden folder stays small. Thread-safe (one lock around the counters).
/// </summary>
internal sealed class FrameRecorder(string outputDirectory, string client, int maxPerApiVersion)
{
    private static readonly HashSet<string> Repetitive = ["Fetch", "Heartbeat", "Metadata", "ListOffsets", "ApiVersions"];

    private readonly Dictionary<(short, short), int> _counts = [];
    private readonly Lock _lock = new();

    /// <summary>Records the frame; returns the file written, or null when the cap was reached.</summary>
    public string? Record(ReadOnlySpan<byte> frame, SpecCatalog catalog)
    {
        if (frame.Length < 4)
        {
            return null;
        }
        var apiKey = BinaryPrimitives.ReadInt16BigEndian(frame);
        var version = BinaryPrimitives.ReadInt16BigEndian(frame[2..]);
        var api = catalog.ApiName(apiKey);
        int n;
        lock (_lock)
        {
            _counts.TryGetValue((apiKey, version), out n);
            n++;
            _counts[(apiKey, version)] = n;
        }
        var cap = Repetitive.Contains(api) ? Math.Min(3, maxPerApiVersion) : maxPerApiVersion;
        if (n > cap)
        {
            return null;
        }
        Directory.CreateDirectory(outputDirectory);
        var path = Path.Combine(outputDirectory, $"{client}-{api}-v{version}-{n}.bin");
        File.WriteAllBytes(path, frame.ToArray());
        return path;
    }
}
