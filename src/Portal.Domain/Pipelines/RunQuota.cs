using Portal.Domain.Common;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Pipelines;

/// <summary>
/// What a tenant may spend on pipelines: runs going at once and build minutes a day (UTC). A tenant without its own
/// row has the platform's defaults.
/// </summary>
public sealed class RunQuota : ITenantOwned
{
    public const int MaxConcurrentRuns = 100;
    public const int MaxBuildMinutesPerDay = 100_000;

    public Guid TenantId { get; private set; }
    public int ConcurrentRuns { get; private set; }
    public int BuildMinutesPerDay { get; private set; }
    public string ChangedBy { get; private set; } = "";
    public DateTime ChangedAt { get; private set; }

    private RunQuota() { }

    public static Result<RunQuota> Create(
        Guid tenantId,
        int? concurrentRuns,
        int? buildMinutesPerDay,
        string by,
        DateTime now
    )
    {
        var quota = new RunQuota { TenantId = tenantId };
        var changed = quota.Change(concurrentRuns, buildMinutesPerDay, by, now);
        return changed.Succeeded ? quota : changed.Problem!;
    }

    public Result Change(int? concurrentRuns, int? buildMinutesPerDay, string by, DateTime now)
    {
        var problems = new List<Problem>();
        if (concurrentRuns is null)
            problems.Add(Problem.Invalid("ConcurrentRuns", "Say how many runs may go at once (1 or more)."));
        else if (concurrentRuns is < 1 or > MaxConcurrentRuns)
            problems.Add(
                Problem.Invalid(
                    "ConcurrentRuns",
                    $"Runs at once must be from 1 to {MaxConcurrentRuns}; {concurrentRuns} is not."
                )
            );
        if (buildMinutesPerDay is null)
            problems.Add(
                Problem.Invalid("BuildMinutesPerDay", "Say how many build minutes a day the tenant has (0 or more).")
            );
        else if (buildMinutesPerDay is < 0 or > MaxBuildMinutesPerDay)
            problems.Add(
                Problem.Invalid(
                    "BuildMinutesPerDay",
                    $"Build minutes a day must be from 0 to {MaxBuildMinutesPerDay}; {buildMinutesPerDay} is not."
                )
            );
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        ConcurrentRuns = concurrentRuns!.Value;
        BuildMinutesPerDay = buildMinutesPerDay!.Value;
        ChangedBy = by;
        ChangedAt = now;
        return Result.Ok();
    }

    /// <summary>Whether one more run may start, or why not, with the numbers.</summary>
    public static Result AdmitRun(int limit, int running) =>
        running < limit
            ? Result.Ok()
            : Problem.TooMany($"Needs 1 run slot, 0 left of {limit}: {running} runs of the tenant are going.");

    /// <summary>Whether a build may start given the minutes built today, or why not, with the numbers.</summary>
    public static Result AdmitBuild(int minutesPerDay, double minutesToday) =>
        minutesToday < minutesPerDay
            ? Result.Ok()
            : Problem.TooMany(
                $"Needs build minutes, 0 left of {minutesPerDay} today: {Math.Ceiling(minutesToday):0} were built "
                    + "since midnight UTC."
            );
}
