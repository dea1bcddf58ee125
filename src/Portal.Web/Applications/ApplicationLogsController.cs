using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;
using Portal.Infrastructure.Applications;
using Portal.Web.Common;
using Portal.Web.Identity;
using Portal.Web.Tenancy;

namespace Portal.Web.Applications;

/// <summary>
/// The logs page: which environment, pod and container (and whether the instance before the last restart), a live tail
/// that <c>app-logs.js</c> streams over the applications hub, and a download of the last lines that works without
/// JavaScript.
/// </summary>
public sealed record AppLogsModel(
    string Tenant,
    string App,
    IReadOnlyList<EnvironmentStatus> Environments,
    EnvironmentStatus? Environment,
    PodView? Pod,
    string? Container,
    bool Previous,
    int Lines,
    string? Problem
);

/// <summary>Pods' logs of the tenant's applications: any member may read them, Viewers included.</summary>
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class ApplicationLogsController(AppStatusReader status, PodLogs logs) : Controller
{
    private const string LogsView = "/Applications/Views/Applications/Logs.cshtml";

    [HttpGet(ApplicationRoutes.Logs), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Logs(
        string app,
        string? environment,
        string? pod,
        string? container,
        bool previous,
        CancellationToken ct
    )
    {
        var model = await BuildAsync(app, environment, pod, container, previous, PodLogs.DefaultLines, null, ct);
        return model is null ? NotFound() : View(LogsView, model);
    }

    /// <summary>
    /// The last lines of a pod's log as a text file; a log that cannot be read now shows the logs page with why.
    /// </summary>
    [HttpGet(ApplicationRoutes.PodLog), Authorize(TenantPolicies.Read)]
    public async Task<IActionResult> Download(
        string app,
        string environment,
        string pod,
        int? lines,
        string? container,
        bool previous,
        CancellationToken ct
    )
    {
        var count = Math.Clamp(lines ?? PodLogs.DefaultLines, 1, PodLogs.MaxLines);
        var log = await logs.TailAsync(
            new PodLogRequest(app, environment, pod, container, previous),
            count,
            User.ToCaller(),
            ct
        );
        if (log.Succeeded)
            return File(
                Encoding.UTF8.GetBytes(log.Value),
                "text/plain; charset=utf-8",
                FileName(pod, container, previous)
            );
        if (log.Problem!.Kind is ProblemKind.NotFound)
            return NotFound();
        var model = await BuildAsync(app, environment, pod, container, previous, count, log.Problem.Message, ct);
        if (model is null)
            return NotFound();
        Response.StatusCode = log.Problem.Kind.HttpStatus();
        return View(LogsView, model);
    }

    private static string FileName(string pod, string? container, bool previous) =>
        $"{pod}{(string.IsNullOrEmpty(container) ? "" : "-" + container)}{(previous ? "-previous" : "")}.log";

    /// <summary>
    /// Chooses what the request names, or else the first environment, its first ready pod and that pod's first
    /// container.
    /// </summary>
    private async Task<AppLogsModel?> BuildAsync(
        string app,
        string? environment,
        string? pod,
        string? container,
        bool previous,
        int lines,
        string? problem,
        CancellationToken ct
    )
    {
        if (await status.FindAsync(app, ct) is not { } id)
            return null;
        var environments = await status.ForApplicationAsync(id, ct);
        var chosenEnvironment = environments.FirstOrDefault(e => e.Environment == environment)
            ?? environments.FirstOrDefault();
        var pods = chosenEnvironment?.Pods ?? [];
        var chosenPod = pods.FirstOrDefault(p => p.Name == pod)
            ?? pods.FirstOrDefault(p => p.Ready)
            ?? pods.FirstOrDefault();
        if (problem is null && !string.IsNullOrEmpty(pod) && chosenPod?.Name != pod)
        {
            problem =
                $"Pod '{pod}' is not among the pods of '{app}' in "
                + $"{chosenEnvironment?.Environment ?? "any environment"} (any more)"
                + (chosenPod is null ? "." : $"; showing '{chosenPod.Name}'.");
        }
        var chosenContainer =
            chosenPod is null ? null
            : chosenPod.Containers.Contains(container) ? container
            : chosenPod.Containers.FirstOrDefault();
        var tenant = HttpContext.TenantAccess().Tenant.Slug;
        return new AppLogsModel(
            tenant,
            app,
            environments,
            chosenEnvironment,
            chosenPod,
            chosenContainer,
            previous,
            lines,
            problem
        );
    }
}
