using Portal.Domain.Common;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>
/// A command to run through <c>/bin/sh -c</c> in an image of the tenant's, pinned by digest in the portal's registry,
/// stopped when it takes longer than <paramref name="Timeout"/>.
/// </summary>
public sealed record ImageCommand(string Tenant, Guid TenantId, string Image, string Command, TimeSpan Timeout);

/// <summary>How a command ended: its exit code, and its last lines for a failure's message.</summary>
public sealed record ImageCommandOutcome(int ExitCode, IReadOnlyList<string> LastLines)
{
    public bool Succeeded => ExitCode == 0;
}

/// <summary>
/// Runs a test command in a built image where the portal builds: on this machine with buildah
/// (<see cref="BuildahImageCommands"/>), or as a Job in the tenant's build namespace
/// (<see cref="KubernetesImageCommands"/>). Each line of output goes to <c>onLine</c> as it comes; a problem says why
/// the command could not run at all (no tool, no cluster, the image cannot be pulled, the time limit).
/// </summary>
public interface IImageCommands
{
    Task<Result<ImageCommandOutcome>> RunAsync(ImageCommand command, Action<string> onLine, CancellationToken ct);
}

/// <summary>The words of a limit: "90 seconds", "30 minutes".</summary>
internal static class Limits
{
    public static string Words(TimeSpan limit) =>
        limit >= TimeSpan.FromMinutes(1) ? $"{limit.TotalMinutes:0.#} minutes" : $"{limit.TotalSeconds:0} seconds";
}
