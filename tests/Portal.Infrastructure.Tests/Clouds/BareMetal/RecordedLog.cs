using Microsoft.Extensions.Logging;

namespace Portal.Infrastructure.Tests.Clouds.BareMetal;

/// <summary>A logger that keeps every formatted entry and its exception's message, for tests of logs.</summary>
public sealed class RecordedLog<T> : ILogger<T>
{
    private readonly List<string> _entries = [];

    public IReadOnlyList<string> Entries
    {
        get
        {
            lock (_entries)
                return [.. _entries];
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(
        LogLevel logLevel,
        EventId eventId,
        TState state,
        Exception? exception,
        Func<TState, Exception?, string> formatter
    )
    {
        lock (_entries)
            _entries.Add($"{logLevel}: {formatter(state, exception)} {exception?.Message}");
    }
}
