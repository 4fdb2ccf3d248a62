using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Gregor.Broker.Tests.Support;

/// <summary>
/// A logger provider that keeps the broker's log lines in memory (the last 10,000) so tests
/// can assert that a reason was logged. Thread-safe.
/// </summary>
public sealed class TestLogSink : ILoggerProvider
{
    private const int Capacity = 10_000;
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public bool Contains(string fragment) => _lines.Any(l => l.Contains(fragment, StringComparison.OrdinalIgnoreCase));

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class SinkLogger(TestLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            sink.Add($"{logLevel}: {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception.Message)}");
        }
    }
}
