using Microsoft.AspNetCore.Http;

namespace Gregor.WebConsole;

/// <summary>
/// The console's static files (HTML, ES modules, CSS, SVG), embedded in gregor.dll under the
/// logical name <c>console/&lt;path&gt;</c> (see Gregor.csproj), so the console needs no CDN,
/// no file next to the binary and works offline. Files are read once and kept; each answer
/// carries an ETag so a browser revalidates cheaply. Thread-safe (immutable after construction).
/// </summary>
internal sealed class ConsoleAssets
{
    private const string Prefix = "console/";

    private readonly Dictionary<string, (byte[] Bytes, string ContentType, string ETag)> _files = new(StringComparer.Ordinal);

    public ConsoleAssets()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        foreach (var name in assembly.GetManifestResourceNames())
        {
            var normalized = name.Replace('\\', '/');
            if (!normalized.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var etag = $"\"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes).AsSpan(0, 8))}\"";
            _files[normalized[Prefix.Length..]] = (bytes, ContentTypeOf(normalized), etag);
        }
    }

    public IEnumerable<string> Paths => _files.Keys;

    /// <summary>Writes the file at <paramref name="path"/> ("" = index.html); 404 for anything else.</summary>
    public async Task ServeAsync(HttpContext context, string? path)
    {
        path = string.IsNullOrEmpty(path) ? "index.html" : path;
        if (!_files.TryGetValue(path, out var file))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.Headers.ETag = file.ETag;
        context.Response.Headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch == file.ETag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        context.Response.ContentType = file.ContentType;
        context.Response.ContentLength = file.Bytes.Length;
        await context.Response.Body.WriteAsync(file.Bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".json" => "application/json",
        _ => "application/octet-stream",
    };
}
