using Portal.Infrastructure.Builds;

namespace Portal.Web.Builds;

/// <summary>
/// At start, has <see cref="BuildToolSetup"/> install the missing build tools in the background when it may (see
/// <c>Portal:Builds:InstallTools</c>); the portal does not wait for it. Registered before the embedded registry, which
/// waits for it.
/// </summary>
internal sealed class BuildToolInstallation(BuildToolSetup setup, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = setup.StartInstalling(lifetime.ApplicationStopping);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
