using Microsoft.AspNetCore.Html;

namespace Portal.Web.Pipelines;

/// <summary>
/// The words and badges the runs pages use for the states of runs and stages (by their names, as
/// <see cref="RunView"/> carries them). Keep the live script's copy in <c>pipeline-run-live.js</c> in step.
/// </summary>
public static class RunWords
{
    /// <summary>The state in words: a badge shows them beside its colour, which is never the only sign.</summary>
    public static string State(string state) =>
        state switch
        {
            "WaitingToStart" => "waiting to be started",
            "AwaitingApproval" => "awaiting approval",
            _ => state.ToLowerInvariant(),
        };

    /// <summary>The badge's colour and icon for a state of a run or a stage.</summary>
    public static (string Css, string Icon) Badge(string state) =>
        state switch
        {
            "Succeeded" => ("text-bg-success", "check-circle"),
            "Failed" => ("text-bg-danger", "x-octagon"),
            "Cancelled" => ("text-bg-secondary", "slash-circle"),
            "Superseded" => ("text-bg-secondary", "skip-forward-circle"),
            "Skipped" => ("text-bg-light border text-body-secondary", "dash-circle"),
            "Running" => ("text-bg-info", "arrow-repeat"),
            "AwaitingApproval" => ("text-bg-warning", "person-check"),
            "WaitingToStart" => ("text-bg-warning", "play-circle"),
            _ => ("text-bg-light border", "hourglass-split"),
        };

    public static string Trigger(string kind) =>
        kind switch
        {
            "Push" => "push",
            "Tag" => "tag push",
            "Schedule" => "schedule",
            "Poll" => "new commit (polling)",
            "Rerun" => "re-run",
            _ => "started by hand",
        };

    public static string Kind(string kind) =>
        kind switch
        {
            "build" => "build image",
            "test" => "test",
            "deploy" => "deploy",
            "approval" => "approval",
            "promote" => "promote",
            "canary" => "canary",
            _ => kind,
        };

    public static string Duration(DateTime? from, DateTime? to) =>
        from is { } f && to is { } t ? Builds.BuildWords.Duration(t - f) : "—";

    /// <summary>A line of a run's log as the page and the downloaded file show it: time, stage, text.</summary>
    public static string LogLine(DateTime at, string stage, string text) =>
        $"{at:HH:mm:ss} [{stage}] {text.TrimEnd('\n')}\n";

    /// <summary>
    /// The log's lines for its &lt;pre&gt;, each in a span naming its sequence and stage (for the live script and the
    /// stage filter), with no whitespace between them.
    /// </summary>
    public static IHtmlContent LogLines(IEnumerable<RunLogLineView> lines)
    {
        var html = new HtmlContentBuilder();
        foreach (var line in lines)
        {
            html.AppendHtml($"<span class=\"run-log-line\" data-sequence=\"{line.Sequence}\" data-stage=\"");
            html.Append(line.Stage);
            html.AppendHtml("\">");
            html.Append(LogLine(line.At, line.Stage, line.Text));
            html.AppendHtml("</span>");
        }
        return html;
    }
}
