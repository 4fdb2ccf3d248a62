namespace Gregor.Cli;

/// <summary>The process exit codes of <c>gregor</c>, documented in src/Gregor/README.md.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>Bad command line or configuration.</summary>
    public const int Usage = 1;
    /// <summary>A listener could not bind (port in use, permission).</summary>
    public const int ListenFailed = 2;
    /// <summary>The data dir is a file, not writable, or locked by another process.</summary>
    public const int DataDirUnusable = 3;
    /// <summary>Another start step failed (the message names it).</summary>
    public const int StartFailed = 4;
}
