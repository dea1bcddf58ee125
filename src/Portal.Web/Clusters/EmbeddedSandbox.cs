using Portal.Domain.Audit;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clusters;
using Portal.Sandbox.Hosting;

namespace Portal.Web.Clusters;

/// <summary>Bound from <c>Portal:Sandbox</c>.</summary>
public sealed class EmbeddedSandboxOptions
{
    public const string Section = "Portal:Sandbox";
    public const string ClusterName = "sandbox";

    /// <summary>Run the sandbox cluster inside the portal and register it (the embedded default).</summary>
    public bool Enabled { get; set; } = true;

    public int Nodes { get; set; } = 3;
    public string NodeCpu { get; set; } = "4";
    public string NodeMemory { get; set; } = "16Gi";
    public TimeSpan PodStartDelay { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Starts the sandbox cluster on a loopback port when the portal starts, and registers it as the cluster
/// "sandbox" — through the same kubeconfig registration a platform admin uses, so that the portal reaches
/// it over HTTP like any cluster. Its state lives in memory: every start brings a fresh sandbox, and the
/// registration's kubeconfig is replaced with the new one.
/// </summary>
internal sealed class EmbeddedSandbox(
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    ILogger<EmbeddedSandbox> logger
) : IHostedService, IAsyncDisposable
{
    private SandboxCluster? _sandbox;

    public SandboxCluster? Cluster => _sandbox;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = configuration.GetSection(EmbeddedSandboxOptions.Section).Get<EmbeddedSandboxOptions>()
            ?? new EmbeddedSandboxOptions();
        if (!options.Enabled)
            return;
        _sandbox = await SandboxCluster.StartAsync(
            new SandboxOptions
            {
                NodeCount = options.Nodes,
                NodeCpu = options.NodeCpu,
                NodeMemory = options.NodeMemory,
                PodStartDelay = options.PodStartDelay,
            },
            cancellationToken
        );

        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<CurrentActor>().ActAs(Actor.System);
        var registry = scope.ServiceProvider.GetRequiredService<ClusterRegistry>();
        var registered = await registry.FindAsync(EmbeddedSandboxOptions.ClusterName, cancellationToken) is { } existing
            ? await registry.ReplaceKubeconfigAsync(existing, _sandbox.Kubeconfig, false, cancellationToken)
            : await registry.RegisterAsync(
                new RegisterCluster(EmbeddedSandboxOptions.ClusterName, "Sandbox cluster", _sandbox.Kubeconfig, false),
                cancellationToken
            );
        if (registered.Succeeded)
            logger.LogInformation(
                "Sandbox cluster with {Nodes} nodes at {Address}",
                options.Nodes,
                _sandbox.BaseAddress
            );
        else
            logger.LogError("The sandbox cluster could not be registered: {Problem}", registered.Problem!.Message);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_sandbox is not null)
            await _sandbox.DisposeAsync();
        _sandbox = null;
    }
}
