using System.Globalization;
using Portal.Domain.Applications;
using Portal.Infrastructure.Applications;

namespace Portal.Web.Applications;

/// <summary>
/// What the <c>_Status</c> partial shows: an application's environments, live, and where its links lead; with
/// <see cref="Truths"/>, what runs in each and how it differs from the working spec (<c>_EnvironmentTruth</c>), with
/// the actions of a developer when <see cref="CanDeploy"/>.
/// </summary>
public sealed record AppStatusModel(
    string Tenant,
    string App,
    IReadOnlyList<EnvironmentStatus> Environments,
    IReadOnlyDictionary<string, EnvironmentTruth>? Truths = null,
    bool CanDeploy = false
);

/// <summary>
/// An application's status in one environment, pushed to the browsers that follow it as <c>statusChanged</c>.
/// </summary>
public sealed record AppStatusUpdate(string App, EnvironmentStatus Status);

/// <summary>
/// The words, icons and links of an application's live status, shared by the server-rendered partial;
/// <c>app-live.js</c>
/// says the same when it re-renders (keep the two in step).
/// </summary>
public static class AppStatusText
{
    /// <summary>
    /// A badge's colour class and Bootstrap icon: colour is never the only signal, the state is written beside it.
    /// </summary>
    public static (string Css, string Icon) Badge(AppDeploymentState state) =>
        state switch
        {
            AppDeploymentState.Running => ("text-bg-success", "check-circle"),
            AppDeploymentState.Deploying => ("text-bg-info", "arrow-repeat"),
            AppDeploymentState.Failed => ("text-bg-danger", "x-octagon"),
            AppDeploymentState.Stopped => ("text-bg-secondary", "pause-circle"),
            AppDeploymentState.Removing => ("text-bg-warning", "trash"),
            _ => ("text-bg-light", "question-circle"),
        };

    public static string Cpu(long? millis) =>
        millis is { } value ? $"{Domain.Common.Quantity.FormatCpu(value)} CPU" : "—";

    public static string Memory(long? bytes) => bytes is { } value ? Domain.Common.Quantity.FormatBytes(value) : "—";

    /// <summary>How long ago, in the largest whole unit: "45s", "12m", "3h", "5d".</summary>
    public static string Age(DateTime since, DateTime now)
    {
        var age = now - DateTime.SpecifyKind(since, DateTimeKind.Utc);
        if (age < TimeSpan.Zero)
            age = TimeSpan.Zero;
        return age.TotalMinutes < 1 ? $"{(int)age.TotalSeconds}s"
            : age.TotalHours < 1 ? $"{(int)age.TotalMinutes}m"
            : age.TotalDays < 1 ? $"{(int)age.TotalHours}h"
            : $"{(int)age.TotalDays}d";
    }

    public static string Iso(DateTime at) =>
        DateTime.SpecifyKind(at, DateTimeKind.Utc).ToString("o", CultureInfo.InvariantCulture);

    public static string LogsUrl(string tenant, string app, string? environment = null, string? pod = null) =>
        ApplicationRoutes.LogsUrl(tenant, app)
        + (environment is null ? "" : $"?environment={Uri.EscapeDataString(environment)}")
        + (environment is null || pod is null ? "" : $"&pod={Uri.EscapeDataString(pod)}");
}
