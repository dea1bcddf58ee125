namespace Portal.Domain.Common;

/// <summary>
/// What kind of refusal a <see cref="Problem"/> is: the closed set every edge (API, pages, hubs) maps.
/// </summary>
public enum ProblemKind
{
    /// <summary>What was sent is wrong; the fields say where.</summary>
    Invalid,

    /// <summary>What the request is about does not exist (or is not the caller's to see).</summary>
    NotFound,

    /// <summary>
    /// Right as sent, but the state of things refuses it now (a name taken, a last plan, a pending change).
    /// </summary>
    Conflict,

    /// <summary>Not allowed: a suspended tenant, a quota it would go over.</summary>
    Forbidden,

    /// <summary>
    /// Something the answer depends on (a cluster, a mail server) could not be asked; trying again later may work.
    /// </summary>
    Unavailable,

    /// <summary>The caller (or their tenant) has as much of something going at once as is allowed.</summary>
    TooMany,
}

/// <summary>
/// A refusal a user can act on: its kind, a sentence for people, and the field it concerns; a form with several wrong
/// fields gives one problem whose causes name each field.
/// </summary>
public sealed record Problem(ProblemKind Kind, string Message, string? Field = null)
{
    public IReadOnlyList<Problem> Causes { get; init; } = [];

    /// <summary>The kind's stable code, as the API's problem <c>type</c> names it (<c>/problems/{Code}</c>).</summary>
    public string Code =>
        Kind switch
        {
            ProblemKind.Invalid => "validation",
            ProblemKind.NotFound => "not-found",
            ProblemKind.Conflict => "conflict",
            ProblemKind.Forbidden => "forbidden",
            ProblemKind.Unavailable => "unavailable",
            ProblemKind.TooMany => "too-many-requests",
            _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, null),
        };

    public static Problem Invalid(string field, string message) => new(ProblemKind.Invalid, message, field);

    /// <summary>Several fields at once: one problem when there is one, else a summary with each as a cause.</summary>
    public static Problem Invalid(IReadOnlyList<Problem> causes) =>
        causes.Count == 1
            ? causes[0]
            : new(
                ProblemKind.Invalid,
                $"{causes.Count} fields need attention: {string.Join(" ", causes.Select(c => c.Message))}"
            )
            {
                Causes = causes,
            };

    public static Problem NotFound(string what) => new(ProblemKind.NotFound, $"{what} was not found.");

    public static Problem Conflict(string message, string? field = null) => new(ProblemKind.Conflict, message, field);

    public static Problem Forbidden(string message) => new(ProblemKind.Forbidden, message);

    /// <summary>Something the answer depends on (a cluster) could not be asked; trying again later may work.</summary>
    public static Problem Unavailable(string message) => new(ProblemKind.Unavailable, message);

    /// <summary>
    /// Refused for now because the caller (or their tenant) has as much of something going at once as is allowed.
    /// </summary>
    public static Problem TooMany(string message) => new(ProblemKind.TooMany, message);
}

public readonly record struct Result
{
    public Problem? Problem { get; }
    public bool Succeeded => Problem is null;

    private Result(Problem? problem) => Problem = problem;

    public static Result Ok() => new(null);

    public static Result Fail(Problem problem) => new(problem);

    public static implicit operator Result(Problem problem) => Fail(problem);
}

public readonly record struct Result<T>
{
    private readonly T? _value;
    public Problem? Problem { get; }
    public bool Succeeded => Problem is null;
    public T Value => Succeeded ? _value! : throw new InvalidOperationException($"No value: {Problem!.Message}");

    private Result(T? value, Problem? problem)
    {
        _value = value;
        Problem = problem;
    }

    public static Result<T> Ok(T value) => new(value, null);

    public static Result<T> Fail(Problem problem) => new(default, problem);

    public static implicit operator Result<T>(T value) => Ok(value);

    public static implicit operator Result<T>(Problem problem) => Fail(problem);
}
