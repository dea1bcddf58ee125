namespace Portal.Domain.Common;

/// <summary>A refusal a user can act on: a stable code, a sentence for people, and the field it concerns.</summary>
public sealed record Problem(string Code, string Message, string? Field = null)
{
    public static Problem Invalid(string field, string message) => new("validation", message, field);
    public static Problem NotFound(string what) => new("not-found", $"{what} was not found.");
    public static Problem Conflict(string message, string? field = null) => new("conflict", message, field);
    public static Problem Forbidden(string message) => new("forbidden", message);
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
