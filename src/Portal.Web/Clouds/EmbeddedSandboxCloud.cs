using Portal.Domain.Audit;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clouds;
using Portal.Infrastructure.Clouds.Providers.Alibaba;
using Portal.Infrastructure.Clouds.Providers.Aws;
using Portal.Infrastructure.Clouds.Providers.Huawei;
using Portal.Infrastructure.Clouds.Providers.OpenStack;
using Portal.Infrastructure.Clouds.Providers.VSphere;
using Portal.SandboxCloud.Alibaba;
using Portal.SandboxCloud.Aws;
using Portal.SandboxCloud.Hosting;
using Portal.SandboxCloud.Huawei;
using Portal.SandboxCloud.OpenStack;
using Portal.SandboxCloud.VSphere;
using Portal.Web.Clusters;

namespace Portal.Web.Clouds;

/// <summary>Bound from <c>Portal:SandboxCloud</c>.</summary>
public sealed class EmbeddedSandboxCloudOptions
{
    public const string Section = "Portal:SandboxCloud";
    public const string AccountPrefix = "sandbox-";

    /// <summary>Run the sandbox cloud beside the embedded sandbox cluster (only when that runs too).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long an emulated instance stays Pending before it runs and its kubelet joins.</summary>
    public TimeSpan BootDelay { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Starts the sandbox cloud — one emulator per provider kind on loopback — when the embedded sandbox cluster runs, and
/// registers one account of each kind ("sandbox-alibaba", …) through the same use case a platform admin uses, so that a
/// newcomer can grow a pool with hosts from the browser. Its instances live in memory: every start brings fresh
/// clouds, and the accounts' endpoints are replaced with the new ones.
/// </summary>
internal sealed class EmbeddedSandboxCloud(
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    ILogger<EmbeddedSandboxCloud> logger
) : IHostedService, IAsyncDisposable
{
    private SandboxCloud.Hosting.SandboxCloud? _cloud;

    public SandboxCloud.Hosting.SandboxCloud? Cloud => _cloud;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var sandbox = configuration.GetSection(EmbeddedSandboxOptions.Section).Get<EmbeddedSandboxOptions>()
            ?? new EmbeddedSandboxOptions();
        var options = configuration.GetSection(EmbeddedSandboxCloudOptions.Section).Get<EmbeddedSandboxCloudOptions>()
            ?? new EmbeddedSandboxCloudOptions();
        if (!sandbox.Enabled || !options.Enabled)
            return;
        _cloud = await SandboxCloud.Hosting.SandboxCloud.StartAsync(
            new SandboxCloudOptions { BootDelay = options.BootDelay },
            [
                new AlibabaEmulator(),
                new AwsEmulator(),
                new HuaweiEmulator(),
                new OpenStackEmulator(),
                new VSphereEmulator(),
            ],
            cancellationToken
        );
        foreach (var (kind, request) in Accounts(_cloud))
        {
            await using var scope = scopes.CreateAsyncScope();
            scope.ServiceProvider.GetRequiredService<CurrentActor>().ActAs(Actor.System);
            var accounts = scope.ServiceProvider.GetRequiredService<CloudAccounts>();
            var saved = await accounts.FindAsync(request.Name!, cancellationToken) is null
                ? (await accounts.AddAsync(request, cancellationToken)).Problem
                : (await accounts.ChangeAsync(request.Name!, request, cancellationToken)).Problem;
            if (saved is null)
                logger.LogInformation("Sandbox cloud {Kind} at {Endpoint}", kind, request.Endpoint);
            else
                logger.LogError("The sandbox {Kind} account could not be registered: {Problem}", kind, saved.Message);
        }
    }

    private static IEnumerable<(CloudKind, SaveCloudAccount)> Accounts(SandboxCloud.Hosting.SandboxCloud cloud)
    {
        var key = cloud.Options.AccessKey;
        var secret = cloud.Options.Secret;
        const string regions = "sandbox-1, sandbox-2";
        SaveCloudAccount Account(CloudKind kind, string display, string endpoint, Dictionary<string, string?> fields) =>
            new(
                EmbeddedSandboxCloudOptions.AccountPrefix + kind.ToString().ToLowerInvariant(),
                display,
                kind,
                regions,
                endpoint,
                fields
            );
        string Endpoint(CloudKind kind) => cloud.EndpointOf(kind.ToString()).ToString().TrimEnd('/');

        yield return (
            CloudKind.Alibaba,
            Account(
                CloudKind.Alibaba,
                "Sandbox Alibaba Cloud",
                Endpoint(CloudKind.Alibaba),
                new()
                {
                    [AlibabaCloudProvider.AccessKeyIdField] = key,
                    [AlibabaCloudProvider.AccessKeySecretField] = secret,
                }
            )
        );
        yield return (
            CloudKind.Aws,
            Account(
                CloudKind.Aws,
                "Sandbox AWS",
                Endpoint(CloudKind.Aws),
                new() { [AwsCloudProvider.AccessKeyIdField] = key, [AwsCloudProvider.SecretAccessKeyField] = secret }
            )
        );
        yield return (
            CloudKind.Huawei,
            Account(
                CloudKind.Huawei,
                "Sandbox Huawei Cloud",
                Endpoint(CloudKind.Huawei),
                new() { [HuaweiCloudProvider.AccessKeyField] = key, [HuaweiCloudProvider.SecretKeyField] = secret }
            )
        );
        yield return (
            CloudKind.OpenStack,
            Account(
                CloudKind.OpenStack,
                "Sandbox OpenStack",
                Endpoint(CloudKind.OpenStack) + "/v3",
                new()
                {
                    [OpenStackAccount.UserName] = key,
                    [OpenStackAccount.Password] = secret,
                    [OpenStackAccount.ProjectName] = "sandbox",
                }
            )
        );
        yield return (
            CloudKind.VSphere,
            Account(
                CloudKind.VSphere,
                "Sandbox vSphere",
                Endpoint(CloudKind.VSphere),
                new()
                {
                    [VSphereFields.UserName] = key,
                    [VSphereFields.Password] = secret,
                    [VSphereFields.Sizes] = "small=2x4096,medium=4x8192,large=8x32768",
                }
            )
        );
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_cloud is not null)
            await _cloud.DisposeAsync();
        _cloud = null;
    }
}
