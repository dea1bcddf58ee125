using System.Collections.Concurrent;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Monitoring.Notifications;

namespace Portal.Infrastructure.Tests.Monitoring.Notifications;

/// <summary>
/// The notification services as the portal registers them, over settings given as key/value pairs under the section;
/// a key given twice takes its last value.
/// </summary>
internal sealed class NotificationServices : IDisposable
{
    private readonly ServiceProvider _provider;

    public CapturedLogs Logs { get; } = new();

    public NotificationServices(params (string Key, string Value)[] settings)
    {
        var values = new Dictionary<string, string?>();
        foreach (var (key, value) in settings)
            values[$"{NotificationOptions.Section}:{key}"] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(Logs));
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAlertNotifications(configuration);
        _provider = services.BuildServiceProvider(
            new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true }
        );
    }

    /// <summary>
    /// Settings for a webhook test against a receiver on loopback: allowed, with waits short enough for a test.
    /// </summary>
    public static (string, string)[] LoopbackWebhooks(params (string Key, string Value)[] more) =>
        [
            ("AllowedTargets:0", "127.0.0.1"),
            ("WebhookFirstRetryDelay", "00:00:00.010"),
            ("WebhookTimeout", "00:00:05"),
            .. more,
        ];

    public T Get<T>()
        where T : notnull => _provider.GetRequiredService<T>();

    public INotificationSender Sender(ChannelKind kind) =>
        _provider.GetServices<INotificationSender>().Single(s => s.Kind == kind);

    public static AlertMessage FiringAlert(string summary = "api restarted 7 times in 10 minutes.") =>
        new(
            Guid.Parse("5b0f7c52-3f4e-4c59-9f7b-2f1d8e2c6a11"),
            "firing",
            "Pod crash-looping",
            "critical",
            "shop/prod/api",
            "shop",
            7,
            5,
            summary,
            new DateTime(2026, 11, 25, 11, 58, 0, DateTimeKind.Utc),
            null,
            "https://portal.example.com/alerts/5b0f7c52"
        );

    public void Dispose() => _provider.Dispose();
}

internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(_lines);

    public void Dispose() { }

    private sealed class Logger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter
        ) => lines.Enqueue(formatter(state, exception) + (exception is null ? "" : " " + exception));
    }
}
