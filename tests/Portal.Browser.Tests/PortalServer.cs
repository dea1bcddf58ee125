using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Portal.Browser.Tests;

/// <summary>
/// The portal on a real Kestrel port (so a real browser can reach it), with its own SQLite file and first admin.
/// </summary>
public sealed class PortalServer : WebApplicationFactory<Program>
{
    public const string AdminEmail = "admin@portal.test";
    public const string AdminPassword = "Admin-Passw0rd";

    private readonly string _databaseFile = Path.Combine(Path.GetTempPath(), $"portal-browser-{Guid.NewGuid():N}.db");

    /// <summary>Settings of one test class on top of the defaults below, e.g. <c>Portal:Sandbox:Enabled</c>.</summary>
    private readonly IReadOnlyDictionary<string, string> _settings;

    /// <summary>Services of one test class put in place of the portal's own, e.g. a Git client.</summary>
    private readonly Action<IServiceCollection>? _services;

    public PortalServer(
        IReadOnlyDictionary<string, string>? settings = null,
        Action<IServiceCollection>? services = null
    )
    {
        _settings = settings ?? new Dictionary<string, string>();
        _services = services;
        UseKestrel(0);
    }

    /// <summary>Starts the portal and answers where it listens, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri Start()
    {
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>();
        return new Uri(addresses.Addresses.First());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Portal:Database:Provider", "Sqlite");
        // No pooling: the file is closed when the portal stops, and can be deleted.
        builder.UseSetting("ConnectionStrings:Portal", $"Data Source={_databaseFile};Pooling=False");
        builder.UseSetting("Portal:Admin:Email", AdminEmail);
        builder.UseSetting("Portal:Admin:Password", AdminPassword);
        builder.UseSetting("Portal:Security:LoginAttemptsPerMinute", "1000");
        // Tests that need the registry start their own, on a port and in a folder of their own.
        builder.UseSetting("Portal:Builds:Registry:Embedded", "false");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (key, value) in _settings)
            builder.UseSetting(key, value);
        if (_services is not null)
            builder.ConfigureTestServices(_services);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var file in new[] { _databaseFile, _databaseFile + "-wal", _databaseFile + "-shm" })
            File.Delete(file);
    }
}
