using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Web.Builds;

/// <summary>
/// Starts Debian's <c>docker-registry</c> on a loopback port when the portal starts (in the embedded mode, like the
/// sandbox cluster) and stops it with the portal. A registry that is not installed or does not start does not stop
/// the portal: the registry connection says why, and builds and the registry's pages show that sentence.
/// </summary>
internal sealed class EmbeddedRegistry(
    IOptions<RegistryOptions> options,
    RegistryConnection connection,
    ILogger<EmbeddedRegistry> logger
) : IHostedService, IAsyncDisposable
{
    private EmbeddedRegistryProcess? _process;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Embedded)
            return;
        var started = await EmbeddedRegistryProcess.StartAsync(
            new EmbeddedRegistrySettings(settings.EmbeddedDataDirectory)
            {
                Executable = settings.EmbeddedExecutable,
                Port = settings.EmbeddedPort,
                StartTimeout = settings.EmbeddedStartTimeout,
            },
            logger,
            cancellationToken
        );
        if (!started.Succeeded)
        {
            connection.EmbeddedUnavailable(started.Problem!.Message);
            logger.LogWarning("The embedded registry is not running: {Reason}", started.Problem.Message);
            return;
        }
        _process = started.Value;
        connection.UseEmbedded(_process.Endpoint, _process.PullAccess);
        logger.LogInformation("Embedded image registry at {Address}", _process.Endpoint.BaseAddress);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        var process = Interlocked.Exchange(ref _process, null);
        if (process is null)
            return;
        connection.EmbeddedUnavailable("The embedded registry has stopped with the portal.");
        await process.DisposeAsync();
    }
}
