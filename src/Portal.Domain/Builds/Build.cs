using Portal.Domain.Common;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Builds;

public enum BuildState
{
    Queued = 1,
    Running = 2,
    Succeeded = 3,
    Failed = 4,
    Cancelled = 5,
}

/// <summary>
/// Why a build failed, so that the page can say it in words and the builds list can be filtered by it.
/// </summary>
public enum BuildFailure
{
    /// <summary>The commit could not be fetched: the repository, its credential or the ref.</summary>
    Source = 1,

    /// <summary>No recipe fits the source, or its values are refused.</summary>
    Recipe = 2,

    /// <summary>A step of the Dockerfile failed: a compile error, a missing file, a failing install.</summary>
    Compile = 3,

    /// <summary>The base image the recipe names could not be pulled.</summary>
    BaseImage = 4,

    /// <summary>The recipe's test command ended with an exit code other than 0.</summary>
    Test = 5,

    /// <summary>The registry refused the push or could not be reached.</summary>
    Registry = 6,

    /// <summary>The build ran out of its time.</summary>
    Timeout = 7,

    /// <summary>Anything else; the reason says what.</summary>
    Builder = 8,
}

/// <summary>
/// The commit a build fetched, as the build's page, the builds list and the revision made from it show it.
/// </summary>
public sealed record SourceCommit(string Sha, string Subject, string Author, DateTime CommittedAt)
{
    public const int ShortLength = 12;
    public const int SubjectMaxLength = 500;
    public const int AuthorMaxLength = 300;

    /// <summary>The commit as stored: a subject or author longer than a column holds is cut with an ellipsis.</summary>
    public SourceCommit Bounded() =>
        this with
        {
            Subject = Cut(Subject, SubjectMaxLength),
            Author = Cut(Author, AuthorMaxLength),
        };

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    public string ShortSha => Sha.Length > ShortLength ? Sha[..ShortLength] : Sha;
}

/// <summary>The image a build pushed: its tag for people, its digest for deploys, its size for the list.</summary>
public sealed record PushedImage(string Repository, string Tag, string Digest, long SizeBytes)
{
    /// <summary>
    /// The image pinned by digest, as a deploy of the build runs it: what was built, whatever the tag says later.
    /// </summary>
    public string Pinned => $"{Repository}@{Digest}";

    public string Tagged => $"{Repository}:{Tag}";
}

/// <summary>
/// One build of an application's source: queued by a person (or a rebuild), numbered per application, carried out by
/// an operation (whose steps time fetch, detect, build, test and push), ended with the image it pushed or the reason
/// it failed. A build never touches running workloads: a deploy of it is a separate act.
/// </summary>
public sealed class Build : ITenantOwned
{
    public const int ReasonMaxLength = 4000;

    public Guid Id { get; private set; }
    public Guid TenantId { get; private set; }
    public Guid ApplicationId { get; private set; }
    public int Number { get; private set; }

    /// <summary>
    /// What was asked for: a branch or tag, or a commit for a rebuild; for an uploaded archive, its file name.
    /// </summary>
    public string Ref { get; private set; } = "";
    public SourceCommit? Commit { get; private set; }

    /// <summary>The uploaded archive the build is made from instead of a commit; null for a Git build.</summary>
    public BuildArchive? Archive { get; private set; }

    /// <summary>The recipe that made the Dockerfile, once detected or chosen.</summary>
    public string? Recipe { get; private set; }

    /// <summary>
    /// The port the built application listens on (the recipe's), which a deploy of it adds to the spec.
    /// </summary>
    public int? Port { get; private set; }

    /// <summary>The recipe and values the build was queued with, or null to take the inspector's proposal.</summary>
    public RecipeChoice? RequestedRecipe { get; private set; }
    public BuildState State { get; private set; }
    public BuildFailure? Failure { get; private set; }
    public string? Reason { get; private set; }
    public PushedImage? Image { get; private set; }
    public string RequestedBy { get; private set; } = "";
    public Guid? OperationId { get; private set; }
    public DateTime CreatedAt { get; private set; }
    public DateTime? StartedAt { get; private set; }
    public DateTime? FinishedAt { get; private set; }

    /// <summary>Someone asked to stop the build; its run stops at the next line of output.</summary>
    public bool CancelRequested { get; private set; }

    private Build() { }

    private Build(Guid tenantId, Guid applicationId, int number, string gitRef, string requestedBy, DateTime now)
    {
        Id = Guid.NewGuid();
        TenantId = tenantId;
        ApplicationId = applicationId;
        Number = number;
        Ref = gitRef;
        RequestedBy = requestedBy;
        State = BuildState.Queued;
        CreatedAt = now;
    }

    /// <summary>
    /// A new build of <paramref name="gitRef"/>, numbered after the application's last (<paramref name="lastNumber"/>,
    /// 0 for none).
    /// </summary>
    public static Result<Build> Queue(
        Guid tenantId,
        Guid applicationId,
        int lastNumber,
        string? gitRef,
        string requestedBy,
        DateTime now
    )
    {
        if (string.IsNullOrWhiteSpace(gitRef))
            return Problem.Invalid("Ref", "Say what to build: a branch, a tag or a commit.");
        if (lastNumber < 0)
            throw new ArgumentOutOfRangeException(nameof(lastNumber), lastNumber, "Build numbers start at 1.");
        return new Build(tenantId, applicationId, lastNumber + 1, gitRef.Trim(), requestedBy, now);
    }

    /// <summary>
    /// A new build of an uploaded <paramref name="archive"/>, a one-off source: it has no commit, and its image is
    /// tagged <c>archive-{first 12 digits of its sha256}</c>.
    /// </summary>
    public static Build QueueArchive(
        Guid tenantId,
        Guid applicationId,
        int lastNumber,
        BuildArchive archive,
        string requestedBy,
        DateTime now
    )
    {
        if (lastNumber < 0)
            throw new ArgumentOutOfRangeException(nameof(lastNumber), lastNumber, "Build numbers start at 1.");
        return new Build(tenantId, applicationId, lastNumber + 1, archive.FileName, requestedBy, now)
        {
            Archive = archive,
        };
    }

    /// <summary>
    /// The commit a rebuild builds again; refused for a build that fetched none, and for an archive's build, whose
    /// archive is deleted when the build ends.
    /// </summary>
    public Result<string> CommitToRebuild()
    {
        if (Archive is { } archive)
            return Problem.Conflict(
                $"Build {Number} was made from the uploaded archive {archive.FileName}, which is deleted when its "
                    + "build ends: upload the archive again to build it again."
            );
        if (Commit is null)
            return Problem.Conflict($"Build {Number} fetched no commit; build the branch again instead.");
        return Commit.Sha;
    }

    public bool IsFinished => State is BuildState.Succeeded or BuildState.Failed or BuildState.Cancelled;

    public TimeSpan? Duration => StartedAt is { } started && FinishedAt is { } finished ? finished - started : null;

    /// <summary>Builds with <paramref name="choice"/> rather than what the inspection of the source proposes.</summary>
    public void BuildWith(RecipeChoice choice)
    {
        if (State != BuildState.Queued)
            throw new InvalidOperationException($"Build {Number} has started: its recipe is chosen.");
        RequestedRecipe = choice;
    }

    /// <summary>Links the build to the operation that carries it out; set once, when both are saved together.</summary>
    public void RunBy(Guid operationId)
    {
        if (OperationId is not null && OperationId != operationId)
            throw new InvalidOperationException($"Build {Number} is already run by operation {OperationId}.");
        OperationId = operationId;
    }

    /// <summary>The run began; a run that starts again after a restart keeps the first start.</summary>
    public void Start(DateTime now)
    {
        EnsureNotFinished();
        State = BuildState.Running;
        StartedAt ??= now;
    }

    public void Fetched(SourceCommit commit)
    {
        EnsureNotFinished();
        Commit = commit.Bounded();
    }

    /// <summary>The recipe the Dockerfile is made with, and so the port the application listens on.</summary>
    public void Detected(RecipeChoice choice)
    {
        EnsureNotFinished();
        Recipe = choice.Recipe;
        Port = choice.Port;
    }

    public void Succeed(PushedImage image, DateTime now)
    {
        EnsureNotFinished();
        if (Commit is null && Archive is null)
            throw new InvalidOperationException("A build succeeds only with the commit or the archive it built.");
        Image = image;
        End(BuildState.Succeeded, now);
    }

    public void Fail(BuildFailure failure, string reason, DateTime now)
    {
        EnsureNotFinished();
        Failure = failure;
        Reason = Clip(reason);
        End(BuildState.Failed, now);
    }

    /// <summary>
    /// Asks a queued or running build to stop: a queued one ends at once; a running one when its run sees the
    /// request. A finished build is refused.
    /// </summary>
    public Result RequestCancel(string by, DateTime now)
    {
        if (IsFinished)
            return Problem.Conflict($"Build {Number} has already ended ({State.ToString().ToLowerInvariant()}).");
        CancelRequested = true;
        if (State == BuildState.Queued)
            Cancelled(by, now);
        return Result.Ok();
    }

    /// <summary>The run stopped on a cancel request.</summary>
    public void Cancelled(string by, DateTime now)
    {
        EnsureNotFinished();
        Reason = Clip($"Cancelled by {by}.");
        End(BuildState.Cancelled, now);
    }

    private void End(BuildState state, DateTime now)
    {
        State = state;
        StartedAt ??= now;
        FinishedAt = now;
    }

    private void EnsureNotFinished()
    {
        if (IsFinished)
            throw new InvalidOperationException($"Build {Number} has already ended ({State}).");
    }

    private static string Clip(string reason) =>
        reason.Length <= ReasonMaxLength ? reason : reason[..(ReasonMaxLength - 1)] + "…";
}
