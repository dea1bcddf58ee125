using Portal.Domain.Builds;
using Portal.Domain.Operations;
using Portal.Infrastructure.Builds.Runs;

namespace Portal.Web.Builds;

/// <summary>The commit a build fetched.</summary>
public sealed record BuildCommitView(string Sha, string ShortSha, string Subject, string Author, DateTime CommittedAt);

/// <summary>The image a build pushed: its tag, its digest, and the reference pinned by digest a deploy runs.</summary>
public sealed record BuildImageView(string Repository, string Tag, string Digest, string Pinned, long SizeBytes);

/// <summary>A step of a build's run (fetch, detect, build, test, push) with its times, from the journal.</summary>
public sealed record BuildStepView(
    string Name,
    DateTime StartedAt,
    DateTime? FinishedAt,
    TimeSpan? Duration,
    bool Done,
    string? Error
)
{
    public static BuildStepView Of(OperationStep step) =>
        new(step.Name, step.StartedAt, step.FinishedAt, step.FinishedAt - step.StartedAt, step.Done, step.Error);
}

/// <summary>A build as its page and the API show it: how it ended and why, its commit, image and steps.</summary>
public sealed record BuildView(
    int Number,
    string App,
    BuildState State,
    BuildFailure? Failure,
    string? Reason,
    string Ref,
    BuildCommitView? Commit,
    string? Recipe,
    BuildImageView? Image,
    string RequestedBy,
    bool CancelRequested,
    DateTime CreatedAt,
    DateTime? StartedAt,
    DateTime? FinishedAt,
    TimeSpan? Duration,
    Guid? Operation,
    IReadOnlyList<BuildStepView> Steps
)
{
    public bool IsFinished => State is BuildState.Succeeded or BuildState.Failed or BuildState.Cancelled;

    public static BuildView Of(BuildDetails details)
    {
        var build = details.Build;
        return new BuildView(
            build.Number,
            details.App,
            build.State,
            build.Failure,
            build.Reason,
            build.Ref,
            build.Commit is { } c ? new BuildCommitView(c.Sha, c.ShortSha, c.Subject, c.Author, c.CommittedAt) : null,
            build.Recipe,
            build.Image is { } i ? new BuildImageView(i.Repository, i.Tag, i.Digest, i.Pinned, i.SizeBytes) : null,
            build.RequestedBy,
            build.CancelRequested,
            build.CreatedAt,
            build.StartedAt,
            build.FinishedAt,
            build.Duration,
            build.OperationId,
            [.. details.Steps.Select(BuildStepView.Of)]
        );
    }
}

/// <summary>What a queued build answers: its number, and the operation that carries it out.</summary>
public sealed record BuildQueued(int Build, Guid Operation);

/// <summary>A part of a build's log as a follower reads it: in order by sequence, never a credential.</summary>
public sealed record BuildLogPart(int Sequence, string Text, DateTime WrittenAt);

/// <summary>The log written after a sequence, and whether the build has ended (nothing more will come).</summary>
public sealed record BuildLogFollow(IReadOnlyList<BuildLogPart> Chunks, int Last, BuildState State, bool Finished);

/// <summary>The words the pages use for builds: states, failures and durations.</summary>
public static class BuildWords
{
    /// <summary>What kind of failure it was, in a sentence that goes before the build's own reason.</summary>
    public static string Failure(BuildFailure? failure) =>
        failure switch
        {
            BuildFailure.Source => "The source could not be fetched.",
            BuildFailure.Recipe => "No recipe could make a Dockerfile for this source.",
            BuildFailure.Compile => "A step of the build failed.",
            BuildFailure.BaseImage => "The base image could not be pulled.",
            BuildFailure.Test => "The tests of the built image failed.",
            BuildFailure.Registry => "The registry refused the image or could not be reached.",
            BuildFailure.Timeout => "The build ran out of time.",
            _ => "The build failed.",
        };

    public static string State(BuildState state) => state.ToString().ToLowerInvariant();

    /// <summary>The badge of a state: its colour and icon (the word goes beside them: colour is not the only sign).
    /// </summary>
    public static (string Css, string Icon) Badge(BuildState state) =>
        state switch
        {
            BuildState.Succeeded => ("text-bg-success", "check-circle"),
            BuildState.Failed => ("text-bg-danger", "x-octagon"),
            BuildState.Cancelled => ("text-bg-secondary", "slash-circle"),
            BuildState.Running => ("text-bg-info", "arrow-repeat"),
            _ => ("text-bg-light border", "hourglass-split"),
        };

    public static string Duration(TimeSpan? duration) =>
        duration is not { } d ? "—"
        : d.TotalSeconds < 60 ? $"{d.TotalSeconds:0} s"
        : d.TotalHours < 1 ? $"{(int)d.TotalMinutes} min {d.Seconds} s"
        : $"{(int)d.TotalHours} h {d.Minutes} min";

    public static string Age(DateTime at, DateTime now)
    {
        var age = now - at;
        return age.TotalMinutes < 1 ? "just now"
            : age.TotalHours < 1 ? $"{(int)age.TotalMinutes} min ago"
            : age.TotalDays < 1 ? $"{(int)age.TotalHours} h ago"
            : $"{(int)age.TotalDays} days ago";
    }
}
