namespace Gregor.Protocol.Compression;

/// <summary>
/// A codec's native library (liblz4 or libzstd) could not be loaded. Derives from
/// <see cref="ProtocolException"/> so the request path answers the client with an error instead of
/// crashing; the message names the library and the Debian package that provides it.
/// </summary>
public sealed class CompressionLibraryMissingException(string library, string debianPackage, Exception inner)
    : ProtocolException($"{library} could not be loaded ({inner.Message}); install the Debian package {debianPackage} (apt-get install {debianPackage})")
{
    /// <summary>The shared object that failed to load, e.g. <c>liblz4.so.1</c>.</summary>
    public string Library { get; } = library;

    /// <summary>The Debian package that ships it, e.g. <c>liblz4-1</c>.</summary>
    public string DebianPackage { get; } = debianPackage;
}
