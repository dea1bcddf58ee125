using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Clouds;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clouds.Providers.VSphere;
using Portal.SandboxCloud.Hosting;
using Portal.SandboxCloud.VSphere;
using CloudSandbox = Portal.SandboxCloud.Hosting.SandboxCloud;

namespace Portal.Infrastructure.Tests.Clouds.VSphere;

/// <summary>The vSphere provider against an emulated vCenter of the sandbox cloud, with an account of it.</summary>
public sealed class VSphereWorld : IAsyncDisposable
{
    public const string Sizes = "small=2x4096,medium=4x8192,large=8x32768";

    private readonly ServiceProvider _services;

    private VSphereWorld(CloudSandbox sandbox, VSphereEmulator emulator, ServiceProvider services)
    {
        Sandbox = sandbox;
        Emulator = emulator;
        _services = services;
        Provider = new VSphereCloudProvider(services.GetRequiredService<IHttpClientFactory>(), TimeProvider.System);
        Account = AccountWith(Sandbox.Options.Secret);
    }

    public CancellationToken Ct => Timeout.Token;

    public CancellationTokenSource Timeout { get; } = new(TimeSpan.FromSeconds(60));

    public CloudSandbox Sandbox { get; }
    public VSphereEmulator Emulator { get; }
    public EmulatedCloud Cloud => Sandbox[Emulator.Kind];
    public VSphereCloudProvider Provider { get; }
    public CloudAccess Account { get; }

    public static async Task<VSphereWorld> StartAsync(TimeSpan? bootDelay = null)
    {
        var emulator = new VSphereEmulator();
        var sandbox = await CloudSandbox.StartAsync(
            new SandboxCloudOptions { BootDelay = bootDelay ?? TimeSpan.FromMilliseconds(100) },
            [emulator],
            CancellationToken.None
        );
        var services = new ServiceCollection().AddHttpClient().BuildServiceProvider();
        return new VSphereWorld(sandbox, emulator, services);
    }

    public CloudAccess AccountWith(string password, IReadOnlyDictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>
        {
            [VSphereFields.UserName] = Sandbox.Options.AccessKey,
            [VSphereFields.Sizes] = Sizes,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            all[key] = value;
        return new CloudAccess(
            Guid.NewGuid(),
            CloudKind.VSphere,
            Sandbox.EndpointOf(Emulator.Kind),
            "sandbox-1",
            all,
            new Dictionary<string, string> { [VSphereFields.Password] = password }
        );
    }

    public static InstanceSpec Spec(
        string hostTag,
        string zone = "sandbox-1a",
        string size = "medium",
        string image = "img-debian-12"
    ) =>
        new(
            hostTag,
            $"node-{hostTag}",
            zone,
            size,
            image,
            60,
            "net-sandbox",
            "",
            "",
            "",
            $"#cloud-config\nhostname: node-{hostTag}\n",
            new Dictionary<string, string> { [CloudTags.Pool] = "gpu" }
        );

    public async Task<CloudInstance> RunningAsync(string instanceId)
    {
        while (true)
        {
            var instance = await Provider.GetAsync(Account, instanceId, Ct);
            if (instance?.State == CloudInstanceState.Running)
                return instance;
            await Task.Delay(50, Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Sandbox.DisposeAsync();
        await _services.DisposeAsync();
        Timeout.Dispose();
    }
}
