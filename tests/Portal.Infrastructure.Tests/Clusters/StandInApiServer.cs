using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Portal.Infrastructure.Tests.Clusters;

/// <summary>
/// A tiny HTTP(S) server on loopback that answers like a Kubernetes API server would in one situation
/// (refusing credentials, failing then recovering), for the gateway's error and retry paths.
/// </summary>
public sealed class StandInApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    public Uri Address { get; }
    public int Requests => _requests;

    private StandInApiServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public static async Task<StandInApiServer> StartAsync(
        Func<HttpContext, int, Task> answer,
        X509Certificate2? certificate = null
    )
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                if (certificate is not null)
                    listen.UseHttps(certificate);
            }));
        var app = builder.Build();
        StandInApiServer? server = null;
        app.Run(context => answer(context, Interlocked.Increment(ref server!._requests)));
        await app.StartAsync();
        var address = app
            .Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        server = new StandInApiServer(app, new Uri(address));
        return server;
    }

    public static Task Version(HttpContext context) =>
        context.Response.WriteAsync(
            """{"major":"1","minor":"31","gitVersion":"v1.31.0-standin","platform":"linux/amd64"}"""
        );

    public string Kubeconfig(string? certificateAuthorityData = null) =>
        KubeconfigFor(Address, certificateAuthorityData);

    public static string KubeconfigFor(Uri server, string? certificateAuthorityData = null) =>
        $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: standin
              cluster:
                server: {server.ToString().TrimEnd('/')}
            {(certificateAuthorityData is null ? "" : $"    certificate-authority-data: {certificateAuthorityData}")}
            users:
            - name: tester
              user:
                token: test-token
            contexts:
            - name: standin
              context:
                cluster: standin
                user: tester
            current-context: standin
            """;

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
