namespace Portal.Domain.Common;

/// <summary>
/// A refusal a user can act on: a stable code, a sentence for people, and the field it concerns; a form with
/// several wrong fields gives one problem whose causes name each field.
/// </summary>
public sealed record Problem(string Code, string Message, string? Field = null)
{
    public IReadOnlyList<Problem> Causes { get; init; } = [];

    public static Problem Invalid(string field, string message) => new("validation", message, field);

    /// <summary>Several fields at once: one problem when there is one, else a summary with each as a cause.</summary>
    public static Problem Invalid(IReadOnlyList<Problem> causes) =>
        causes.Count == 1
            ? causes[0]
            : new(
                "validation",
                $"{causes.Count} fields need attention: {string.Join(" ", causes.Select(c => c.Message))}"
            )
            {
                Causes = causes,
            };

    public static Problem NotFound(string what) => new("not-found", $"{what} was not found.");

    public static Problem Conflict(string message, string? field = null) => new("conflict", message, field);

    public static Problem Forbidden(string message) => new("forbidden", message);

    /// <summary>Something the answer depends on (a cluster) could not be asked; trying again later may work.</summary>
    public static Problem Unavailable(string message) => new("unavailable", message);

    /// <summary>Refused for now because the caller (or their tenant) has as much of something going at once as is allowed.</summary>
    public static Problem TooMany(string message) => new("too-many-requests", message);
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
