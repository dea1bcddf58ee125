using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Portal.SandboxCloud.Hosting;

public sealed class SandboxCloudOptions
{
    /// <summary>How long an instance stays Pending before it runs and its kubelet joins.</summary>
    public TimeSpan BootDelay { get; set; } = TimeSpan.FromSeconds(1);

    public int InstanceLimit { get; set; } = 200;
    public int CpuLimit { get; set; } = 1000;

    /// <summary>The access key (or user name) every emulated provider accepts, with <see cref="Secret"/>.</summary>
    public string AccessKey { get; set; } = "sandbox-access-key";

    public string Secret { get; set; } = "sandbox-secret-key";
}

/// <summary>
/// One provider's emulator: maps the subset of the provider's API the portal uses, checking each request's signature
/// with the provider's own algorithm and answering in the provider's own shapes, over the instances of its
/// <see cref="EmulatedCloud"/>.
/// </summary>
public abstract class CloudEmulator
{
    /// <summary>
    /// The provider kind, as the portal names it ("Alibaba", "Aws", "Huawei", "OpenStack", "VSphere").
    /// </summary>
    public abstract string Kind { get; }

    public abstract void Map(WebApplication app, EmulatedCloud cloud);
}

/// <summary>
/// The sandbox cloud: one loopback HTTP service per provider kind, each with a cloud of its own in memory. Dispose it
/// to
/// stop them; all instances are lost then.
/// </summary>
public sealed class SandboxCloud : IAsyncDisposable
{
    private readonly List<WebApplication> _apps = [];
    private readonly Dictionary<string, (Uri Endpoint, EmulatedCloud Cloud)> _clouds = new(StringComparer.Ordinal);

    private SandboxCloud(SandboxCloudOptions options) => Options = options;

    public SandboxCloudOptions Options { get; }

    public IReadOnlyCollection<string> Kinds => _clouds.Keys;

    public Uri EndpointOf(string kind) => _clouds[kind].Endpoint;

    public EmulatedCloud this[string kind] => _clouds[kind].Cloud;

    public static async Task<SandboxCloud> StartAsync(
        SandboxCloudOptions options,
        IEnumerable<CloudEmulator> emulators,
        CancellationToken ct,
        TimeProvider? clock = null
    )
    {
        var cloud = new SandboxCloud(options);
        try
        {
            foreach (var emulator in emulators)
                await cloud.StartOneAsync(emulator, clock ?? TimeProvider.System, ct);
        }
        catch
        {
            await cloud.DisposeAsync();
            throw;
        }
        return cloud;
    }

    private async Task StartOneAsync(CloudEmulator emulator, TimeProvider clock, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var state = new EmulatedCloud(emulator.Kind, Options, new KubeletPlayer(emulator.Kind), clock);
        state.Credentials[Options.AccessKey] = Options.Secret;
        app.Use(
            async (context, next) =>
            {
                state.CountCall();
                await next(context);
            }
        );
        emulator.Map(app, state);
        await app.StartAsync(ct);
        _apps.Add(app);
        var address = app
            .Services.GetRequiredService<IServer>()
            .Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        _clouds[emulator.Kind] = (new Uri(address.TrimEnd('/') + "/"), state);
    }

    public async ValueTask DisposeAsync()
    {
        // Stopping twice at once (the host's StopAsync and its disposal) must stop each service once.
        WebApplication[] apps;
        lock (_apps)
        {
            apps = [.. _apps];
            _apps.Clear();
        }
        foreach (var app in apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
