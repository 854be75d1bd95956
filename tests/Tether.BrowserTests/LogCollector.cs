using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tether.BrowserTests;

/// <summary>Keeps the messages Tether logs, so tests can see which circuit activities went through the bridge.</summary>
public sealed class LogCollector : ILoggerProvider
{
    public ConcurrentQueue<(string Category, EventId Id, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCollector owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => category.StartsWith("Tether", StringComparison.Ordinal);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                owner.Entries.Enqueue((category, eventId, formatter(state, exception)));
            }
        }
    }
}
