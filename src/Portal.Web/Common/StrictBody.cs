using System.Text.Json;
using System.Text.Json.Serialization;
using Portal.Domain.Common;

namespace Portal.Web.Common;

/// <summary>
/// A JSON request body that refuses the fields it does not know, naming each, so that a misspelt amount ("cpu" for
/// "cpuRequests") is not ignored while the rest of the body is taken as complete.
/// </summary>
public abstract record StrictBody
{
    /// <summary>Whatever the body held beyond its own fields; refused by <see cref="Refuse"/>.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }

    /// <summary>
    /// The problems of the body: one per unknown field, then <paramref name="others"/>; null when there are none.
    /// <paramref name="fields"/> lists the fields the body takes, for the message.
    /// </summary>
    public Problem? Refuse(string fields, params IEnumerable<Problem> others)
    {
        var problems = (Unknown ?? [])
            .Keys.Order(StringComparer.Ordinal)
            .Select(name => Problem.Invalid(name, $"'{name}' is not a field of this request; it takes {fields}."))
            .Concat(others.SelectMany(p => p.Causes.Count > 0 ? p.Causes : [p]))
            .ToList();
        return problems.Count == 0 ? null : Problem.Invalid(problems);
    }

    /// <summary>A problem for each field left out (null), with its message.</summary>
    public static IEnumerable<Problem> Required(params (object? Value, string Field, string Message)[] fields) =>
        fields.Where(f => f.Value is null).Select(f => Problem.Invalid(f.Field, f.Message));

    /// <summary>
    /// The problem with each field it names put under <paramref name="prefix"/>: "CpuRequests" becomes
    /// "Share.CpuRequests".
    /// </summary>
    public static Problem Within(string prefix, Problem problem) =>
        problem.Causes.Count > 0
            ? problem with
            {
                Causes = [.. problem.Causes.Select(c => Within(prefix, c))],
            }
            : problem with
            {
                Field = problem.Field is null ? prefix : $"{prefix}.{problem.Field}",
            };
}
