using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Portal.Sandbox.Api;
using Portal.Sandbox.Faults;
using Portal.Sandbox.Simulation;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Hosting;

/// <summary>
/// A running sandbox: an in-memory Kubernetes API server on loopback with simulated nodes and controllers.
/// Dispose it to stop the server and the controllers; all state is lost then.
/// </summary>
public sealed class SandboxCluster : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private Task _simulation = Task.CompletedTask;

    private SandboxCluster(
        WebApplication app,
        SandboxOptions options,
        ResourceRegistry registry,
        SandboxFaults faults,
        Uri baseAddress,
        string token,
        string readOnlyToken,
        string? certificateAuthority
    )
    {
        _app = app;
        Options = options;
        Objects = registry;
        Faults = faults;
        BaseAddress = baseAddress;
        Token = token;
        ReadOnlyToken = readOnlyToken;
        Kubeconfig = KubeconfigText.Render(
            options.ClusterName,
            baseAddress,
            token,
            "sandbox-admin",
            certificateAuthority
        );
        ReadOnlyKubeconfig = KubeconfigText.Render(
            options.ClusterName,
            baseAddress,
            readOnlyToken,
            Authentication.ReadOnlyUser,
            certificateAuthority
        );
        CertificateAuthorityData = certificateAuthority;
    }

    public Uri BaseAddress { get; }

    /// <summary>kubeconfig YAML: cluster and context "sandbox", the admin bearer token as user.</summary>
    public string Kubeconfig { get; }

    /// <summary>kubeconfig YAML for the viewer token, which may only get, list and watch.</summary>
    public string ReadOnlyKubeconfig { get; }

    public string Token { get; }

    /// <summary>
    /// Base64 PEM of the self-signed serving certificate (kubeconfig certificate-authority-data); null without TLS.
    /// </summary>
    public string? CertificateAuthorityData { get; }

    public string ReadOnlyToken { get; }

    public SandboxOptions Options { get; }

    /// <summary>Fault injection switches, effective on the next request.</summary>
    public SandboxFaults Faults { get; }

    /// <summary>The registry (validated writes) in front of the store, for seeding and inspection in tests.</summary>
    public ResourceRegistry Objects { get; }

    public ResourceStore Store => Objects.Store;

    /// <summary>Signalled when the host shuts down (SIGTERM, Ctrl+C in the standalone process).</summary>
    public CancellationToken Stopping => _app.Lifetime.ApplicationStopping;

    public static async Task<SandboxCluster> StartAsync(
        SandboxOptions options,
        CancellationToken cancellationToken = default
    )
    {
        var token = options.Token
            ?? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var readOnlyToken = options.ReadOnlyToken
            ?? Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        var certificate = options.UseTls ? ServingCertificate.Create() : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
            {
                if (certificate is not null)
                {
                    listen.UseHttps(certificate);
                }
            });
            kestrel.Limits.MinResponseDataRate = null;
        });
        builder.Services.AddSandbox(options, token, readOnlyToken);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = options.ShutdownTimeout);
        var app = builder.Build();
        var authentication = app.Services.GetRequiredService<Authentication>();
        var faultInjection = app.Services.GetRequiredService<FaultInjection>();
        var api = app.Services.GetRequiredService<KubernetesApi>();
        app.Run(async context =>
        {
            // Watches, follow=true logs and injected latency wait on RequestAborted. Ending them when the sandbox
            // stops lets Kestrel's graceful shutdown finish at once instead of waiting out the shutdown timeout
            // for clients that never hang up.
            using var aborted = CancellationTokenSource.CreateLinkedTokenSource(
                context.RequestAborted,
                app.Lifetime.ApplicationStopping
            );
            context.RequestAborted = aborted.Token;
            if (await authentication.AuthenticateAsync(context) && await faultInjection.ApplyAsync(context))
            {
                await api.HandleAsync(context);
            }
        });

        var registry = app.Services.GetRequiredService<ResourceRegistry>();
        Seed(registry, options, app.Services.GetRequiredService<NodeFleet>());
        await app.StartAsync(cancellationToken);
        var address = app
            .Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        var baseAddress = new Uri(
            address
                .Replace("[::]", "127.0.0.1", StringComparison.Ordinal)
                .Replace("localhost", "127.0.0.1", StringComparison.Ordinal)
        );

        var authority = certificate is null ? null : ServingCertificate.PemBase64(certificate);
        var cluster = new SandboxCluster(
            app,
            options,
            registry,
            app.Services.GetRequiredService<SandboxFaults>(),
            baseAddress,
            token,
            readOnlyToken,
            authority
        );
        if (options.RunControllers)
        {
            var loop = app.Services.GetRequiredService<SimulationLoop>();
            cluster._simulation = Task.Run(() => loop.RunAsync(cluster._stopping.Token), CancellationToken.None);
        }
        return cluster;
    }

    private static void Seed(ResourceRegistry registry, SandboxOptions options, NodeFleet fleet)
    {
        foreach (
            var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease" }
                .Concat(options.SeedNamespaces)
                .Distinct()
        )
        {
            registry.Create(
                ResourceKinds.Namespace,
                null,
                new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } }
            );
        }
        fleet.CreateNodes();
    }

    /// <summary>Writes <see cref="Kubeconfig"/> to a file, e.g. for kubectl --kubeconfig.</summary>
    public Task WriteKubeconfigAsync(string path, CancellationToken cancellationToken = default) =>
        File.WriteAllTextAsync(path, Kubeconfig, cancellationToken);

    /// <summary>Creates Running pods directly bound to nodes, bypassing scheduling, for benchmarks at scale.</summary>
    public int SeedRunningPods(string ns, int count, string cpuRequest = "10m", string memoryRequest = "16Mi") =>
        BulkSeeder.SeedRunningPods(Objects, ns, count, cpuRequest, memoryRequest);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await _simulation;
        }
        catch (OperationCanceledException)
        {
            // Stopping is the expected way out of the loop.
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
