using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>The portal's own registry, started and stopped with it, or missing and said so.</summary>
public sealed class EmbeddedRegistryTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("portal-web-registry-");

    [SkippableFact]
    public async Task The_portal_starts_its_registry_on_loopback_and_stops_it_with_itself()
    {
        var missing = BuildTools.Find(BuildTools.Registry) is null;
        if (missing && TestDatabases.InCi)
            throw new InvalidOperationException("CI=true but docker-registry is not installed.");
        Skip.If(missing, "docker-registry is not installed: apt-get install docker-registry.");
        var factory = Portal("docker-registry");
        _ = factory.Server;
        var connection = factory.Services.GetRequiredService<RegistryConnection>();
        var endpoint = connection.Endpoint().Value;

        var ping = await factory.Services.GetRequiredService<IImageRegistry>().PingAsync(default);

        Assert.True(ping.Succeeded, ping.Problem?.Message);
        Assert.True(endpoint.BaseAddress.IsLoopback);
        Assert.True(File.Exists(Path.Combine(_folder.FullName, "config.yml")));
        await factory.DisposeAsync();

        // The test host may finish stopping the portal's services just after it returns.
        var config = Path.Combine(_folder.FullName, "config.yml");
        for (var waited = 0; File.Exists(config) && waited < 100; waited++)
            await Task.Delay(100);
        Assert.False(File.Exists(config), "the registry's configuration goes with it");
        using var http = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(endpoint.BaseAddress, "/v2/")));
    }

    [Fact]
    public async Task A_portal_without_docker_registry_still_starts_and_its_registry_says_what_to_install()
    {
        var logs = new CapturedLogs();
        await using var factory = Portal("docker-registry-not-installed", logs);
        _ = factory.Server;

        var ping = await factory.Services.GetRequiredService<IImageRegistry>().PingAsync(default);

        Assert.Equal(ProblemKind.Unavailable, ping.Problem?.Kind);
        Assert.Contains(
            "apt-get install docker-registry-not-installed",
            ping.Problem!.Message,
            StringComparison.Ordinal
        );
        Assert.Contains(logs.Lines, l => l.Contains("The embedded registry is not running", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task While_the_portal_installs_docker_registry_its_registry_says_so_and_starts_once_it_is_installed()
    {
        var missing = BuildTools.Find(BuildTools.Registry) is null;
        if (missing && TestDatabases.InCi)
            throw new InvalidOperationException("CI=true but docker-registry is not installed.");
        Skip.If(missing, "docker-registry is not installed: apt-get install docker-registry.");
        var machine = new InstallingMachine();
        await using var factory = Portal("docker-registry", install: machine);
        _ = factory.Server;
        var connection = factory.Services.GetRequiredService<RegistryConnection>();

        var during = connection.Endpoint();
        machine.Installed.SetResult();
        await factory.Services.GetRequiredService<BuildToolSetup>().Installed;
        for (var waited = 0; !connection.Endpoint().Succeeded && waited < 100; waited++)
            await Task.Delay(100);

        Assert.Contains("is being installed by the portal", during.Problem?.Message, StringComparison.Ordinal);
        Assert.True(connection.Endpoint().Succeeded, connection.Endpoint().Problem?.Message);
        Assert.Equal(["update -q", "install -y -q --no-install-recommends docker-registry"], machine.Runs);
    }

    /// <summary>A root machine with apt-get whose docker-registry appears once the test lets apt-get finish.</summary>
    private sealed class InstallingMachine : ISetupCommands
    {
        public TaskCompletionSource Installed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public List<string> Runs { get; } = [];

        public bool IsRoot => true;

        public string? Find(string tool) =>
            tool == BuildToolSetup.AptGet ? "/usr/bin/apt-get"
            : tool == BuildTools.Registry ? (Installed.Task.IsCompleted ? BuildTools.Find(tool) : null)
            : "/usr/bin/" + tool;

        public async Task<ToolOutcome> RunAsync(
            string executable,
            IReadOnlyList<string> arguments,
            Action<string> onLine,
            CancellationToken ct
        )
        {
            Runs.Add(string.Join(' ', arguments));
            await Installed.Task.WaitAsync(ct);
            return new ToolOutcome(0, "", []);
        }
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private PortalFactory Portal(string executable, CapturedLogs? logs = null, ISetupCommands? install = null) =>
        new(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?>
            {
                ["Portal:Builds:Registry:Embedded"] = "true",
                ["Portal:Builds:Registry:EmbeddedExecutable"] = executable,
                ["Portal:Builds:Registry:EmbeddedDataDirectory"] = _folder.FullName,
                ["Portal:Builds:InstallTools"] = install is null ? "false" : "true",
            }
        )
        {
            Logs = logs,
            TestServices = install is null ? null : services => services.AddSingleton(install),
        };
}
