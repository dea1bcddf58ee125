using Portal.Infrastructure.Builds;

namespace Portal.Web.Builds;

/// <summary>
/// At start, has <see cref="BuildToolSetup"/> install the missing build tools in the background when it may (see
/// <c>Portal:Builds:InstallTools</c>), then <see cref="LocalBaseImagesSetup"/> make the local base images when recipes
/// build on them; the portal does not wait for either. Registered before the embedded registry, which waits for the
/// tools.
/// </summary>
internal sealed class BuildToolInstallation(
    BuildToolSetup setup,
    LocalBaseImagesSetup baseImages,
    IHostApplicationLifetime lifetime
) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = setup.StartInstalling(lifetime.ApplicationStopping);
        _ = baseImages.StartMaking(AppContext.BaseDirectory, lifetime.ApplicationStopping);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
