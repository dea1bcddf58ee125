using Portal.Web.Common;

namespace Portal.Web.Pipelines;

/// <summary>
/// The addresses of pipeline runs: the runs of an application and of the tenant, one run with its stage graph and
/// log, its log as a file, and the run's and its stages' actions (cancel, retry, re-run, start a manual stage, decide
/// an approval). Each template routes its action, and its <c>…Url</c> method makes the links to it.
/// </summary>
public static class RunRoutes
{
    public const string TenantRuns = "/t/{tenant}/runs";
    public const string AppRuns = "/t/{tenant}/apps/{app}/runs";
    public const string Run = "/t/{tenant}/apps/{app}/pipelines/{pipeline}/runs/{run:int}";
    public const string RunLog = "/t/{tenant}/apps/{app}/pipelines/{pipeline}/runs/{run:int}/log";
    public const string RunCancel = "/t/{tenant}/apps/{app}/pipelines/{pipeline}/runs/{run:int}/cancel";
    public const string RunRetry = "/t/{tenant}/apps/{app}/pipelines/{pipeline}/runs/{run:int}/retry";
    public const string RunRerun = "/t/{tenant}/apps/{app}/pipelines/{pipeline}/runs/{run:int}/rerun";
    public const string StageStart = "/t/{tenant}/apps/{app}/pipelines/{pipeline}/runs/{run:int}/stages/{stage}/start";
    public const string StageDecision =
        "/t/{tenant}/apps/{app}/pipelines/{pipeline}/runs/{run:int}/stages/{stage}/decision";

    public static string TenantRunsUrl(string tenant) => RouteUrl.Fill(TenantRuns, tenant);

    public static string AppRunsUrl(string tenant, string app) => RouteUrl.Fill(AppRuns, tenant, app);

    public static string RunUrl(string tenant, string app, string pipeline, int run) =>
        RouteUrl.Fill(Run, tenant, app, pipeline, run);

    public static string RunLogUrl(string tenant, string app, string pipeline, int run) =>
        RouteUrl.Fill(RunLog, tenant, app, pipeline, run);

    public static string RunCancelUrl(string tenant, string app, string pipeline, int run) =>
        RouteUrl.Fill(RunCancel, tenant, app, pipeline, run);

    public static string RunRetryUrl(string tenant, string app, string pipeline, int run) =>
        RouteUrl.Fill(RunRetry, tenant, app, pipeline, run);

    public static string RunRerunUrl(string tenant, string app, string pipeline, int run) =>
        RouteUrl.Fill(RunRerun, tenant, app, pipeline, run);

    public static string StageStartUrl(string tenant, string app, string pipeline, int run, string stage) =>
        RouteUrl.Fill(StageStart, tenant, app, pipeline, run, stage);

    public static string StageDecisionUrl(string tenant, string app, string pipeline, int run, string stage) =>
        RouteUrl.Fill(StageDecision, tenant, app, pipeline, run, stage);
}
