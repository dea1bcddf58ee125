using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Web.Builds;

/// <summary>
/// Starts Debian's <c>docker-registry</c> on a loopback port when the portal starts (in the embedded mode, like the
/// sandbox cluster) and stops it with the portal; when the portal is installing it (<see cref="BuildToolSetup"/>), as
/// soon as that has ended, in the background. A registry that is not installed or does not start does not stop
/// the portal: the registry connection says why, and builds and the registry's pages show that sentence.
/// </summary>
internal sealed class EmbeddedRegistry(
    IOptions<RegistryOptions> options,
    RegistryConnection connection,
    BuildToolSetup setup,
    IHostApplicationLifetime lifetime,
    ILogger<EmbeddedRegistry> logger
) : IHostedService, IAsyncDisposable
{
    private EmbeddedRegistryProcess? _process;
    private Task _starting = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.Embedded)
            return;
        var tool = setup.StatusOf(settings.EmbeddedExecutable, "the embedded image registry");
        if (tool.State == BuildToolState.Installing)
        {
            connection.EmbeddedUnavailable(tool.Sentence);
            _starting = Task.Run(
                async () =>
                {
                    await setup.Installed;
                    await StartProcessAsync(lifetime.ApplicationStopping);
                },
                CancellationToken.None
            );
            return;
        }
        await StartProcessAsync(cancellationToken);
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
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
            var tool = setup.StatusOf(settings.EmbeddedExecutable, "the embedded image registry");
            var reason = tool.State == BuildToolState.Present ? started.Problem!.Message : tool.Sentence;
            connection.EmbeddedUnavailable(reason);
            logger.LogWarning("The embedded registry is not running: {Reason}", reason);
            return;
        }
        _process = started.Value;
        connection.UseEmbedded(_process.Endpoint, _process.PullAccess);
        logger.LogInformation("Embedded image registry at {Address}", _process.Endpoint.BaseAddress);
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _starting;
        }
        catch (OperationCanceledException) { }
        var process = Interlocked.Exchange(ref _process, null);
        if (process is null)
            return;
        connection.EmbeddedUnavailable("The embedded registry has stopped with the portal.");
        await process.DisposeAsync();
    }
}
