using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using MimeKit;
using SmtpServer;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Portal.Infrastructure.Tests.Monitoring.Notifications;

/// <summary>An SMTP server on loopback that keeps every message it is given, with the envelope's recipients.</summary>
internal sealed class LocalSmtpServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private readonly MessageKeeper _keeper;

    public int Port { get; }
    public IReadOnlyCollection<(IReadOnlyList<string> Recipients, MimeMessage Message)> Messages => _keeper.Messages;

    private LocalSmtpServer(int port)
    {
        Port = port;
        _keeper = new MessageKeeper();
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, port)))
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add(_keeper);
        _running = new SmtpServer.SmtpServer(options, services).StartAsync(_stop.Token);
    }

    public static Task<LocalSmtpServer> StartAsync() => StartAsync(FreePort());

    /// <summary>A server on a port chosen beforehand, e.g. one a portal's settings already name.</summary>
    public static async Task<LocalSmtpServer> StartAsync(int port)
    {
        var server = new LocalSmtpServer(port);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, server.Port);
                return server;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>A loopback port nothing listens on, for a server that cannot be reached.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException) { }
        _stop.Dispose();
    }

    private sealed class MessageKeeper : MessageStore
    {
        public ConcurrentQueue<(IReadOnlyList<string> Recipients, MimeMessage Message)> Messages { get; } = new();

        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context,
            IMessageTransaction transaction,
            ReadOnlySequence<byte> buffer,
            CancellationToken cancellationToken
        )
        {
            using var stream = new MemoryStream(buffer.ToArray());
            var message = await MimeMessage.LoadAsync(stream, cancellationToken);
            Messages.Enqueue(([.. transaction.To.Select(to => $"{to.User}@{to.Host}")], message));
            return SmtpResponse.Ok;
        }
    }
}
