using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tether.Tests.Events;

/// <summary>
/// Keeps what Tether logs, with the log scopes that were active, so tests can count warnings and read an event's scope.
/// </summary>
public sealed class RecordingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public IEnumerable<Entry> Named(string eventName) => Entries.Where(e => e.Id.Name == eventName);

    public void Dispose()
    {
    }

    public sealed record Entry(string Category, LogLevel Level, EventId Id, string Message, IReadOnlyList<object?> Scopes)
    {
        /// <summary>The value of <paramref name="key"/> in the innermost scope that has it.</summary>
        public object? ScopeValue(string key)
        {
            for (var i = Scopes.Count - 1; i >= 0; i--)
            {
                if (Scopes[i] is IEnumerable<KeyValuePair<string, object?>> pairs)
                {
                    foreach (var (k, v) in pairs)
                    {
                        if (k == key)
                        {
                            return v;
                        }
                    }
                }
            }

            return null;
        }
    }

    private sealed class Logger(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!category.StartsWith("Tether", StringComparison.Ordinal))
            {
                return;
            }

            var scopes = new List<object?>();
            owner._scopes.ForEachScope(static (scope, list) => list.Add(scope), scopes);
            owner.Entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception), scopes));
        }
    }
}
