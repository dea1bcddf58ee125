using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Portal.Web.Tests.Support;

/// <summary>
/// The certificate that encrypts the test portals' key rings, as an operator's would in production: one PKCS#12 file
/// per test run, deleted when the run ends.
/// </summary>
public static class TestKeyRing
{
    public const string Password = "key-ring-test-pass";

    private static readonly Lazy<string> File = new(Create);

    public static string CertificatePath => File.Value;

    private static string Create()
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(
            "CN=portal-test-key-ring",
            rsa,
            HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1
        );
        using var certificate = request.CreateSelfSigned(
            DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddDays(30)
        );
        var path = Path.Combine(Path.GetTempPath(), $"portal-key-ring-{Guid.NewGuid():N}.pfx");
        System.IO.File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, Password));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => System.IO.File.Delete(path);
        return path;
    }
}

/// <summary>
/// Lets a test say which address a request comes from, as a TCP connection would (the test server's requests come from
/// nowhere): the <see cref="Header"/> header's value becomes the connection's remote address, before the portal's
/// pipeline.
/// </summary>
public sealed class TestPeerAddress : IStartupFilter
{
    public const string Header = "X-Test-Peer";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) =>
        app =>
        {
            app.Use(
                (context, nextMiddleware) =>
                {
                    if (context.Request.Headers.Remove(Header, out var peer))
                        context.Connection.RemoteIpAddress = IPAddress.Parse(peer.ToString());
                    return nextMiddleware(context);
                }
            );
            next(app);
        };
}

/// <summary>
/// Every log line written, with its category and level, formatted as a reader of the logs would see it.
/// </summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose() { }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
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
        ) =>
            lines.Enqueue(
                $"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}"
            );
    }
}
