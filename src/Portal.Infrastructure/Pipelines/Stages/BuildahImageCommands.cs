using Microsoft.Extensions.Options;
using Portal.Domain.Common;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// Runs a test command on this machine as builds run their recipe's test command: in a working container of the image
/// (pulled into the tenant's own build storage with the registry's credentials when it is not there), with chroot
/// isolation, in one of the build slots. The container goes when the command ends, fails, times out or is cancelled.
/// </summary>
public sealed class BuildahImageCommands(
    IOptions<BuildahOptions> options,
    BuildSlots slots,
    RegistryConnection registry,
    BuildStorage storage
) : IImageCommands
{
    public async Task<Result<ImageCommandOutcome>> RunAsync(
        ImageCommand command,
        Action<string> onLine,
        CancellationToken ct
    )
    {
        var settings = options.Value;
        var executable = BuildTools.Find(settings.Executable);
        if (executable is null)
            return Problem.Unavailable(BuildTools.Missing(settings.Executable, "running test commands"));
        var endpoint = registry.Endpoint();
        if (!endpoint.Succeeded)
            return endpoint.Problem!;
        using var slot = await slots.AcquireAsync(command.Tenant, ct, ahead =>
            onLine($"Waiting for a build slot ({ahead} ahead in the queue).")
        );
        var timeout = command.Timeout < settings.Timeout ? command.Timeout : settings.Timeout;
        using var overTime = new CancellationTokenSource(timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, overTime.Token);
        var cli = new BuildahCli(executable, storage.ForTenant(command.Tenant), settings.StorageDriver);
        using var access = RegistryAccessFiles.Create(endpoint.Value);
        var last = new Queue<string>();
        try
        {
            var exit = await cli.RunInImageAsync(
                command.Image,
                command.Command,
                line =>
                {
                    lock (last)
                    {
                        last.Enqueue(line);
                        if (last.Count > settings.FailureLines)
                            last.Dequeue();
                    }
                    onLine(line);
                },
                linked.Token,
                access
            );
            lock (last)
                return new ImageCommandOutcome(exit, [.. last]);
        }
        catch (OperationCanceledException) when (overTime.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return Problem.Unavailable(
                $"The test command took longer than its limit of {Limits.Words(timeout)} and was stopped."
            );
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("buildah could not", StringComparison.Ordinal))
        {
            return Problem.Unavailable(e.Message);
        }
    }
}
