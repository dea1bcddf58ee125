using System.Text.RegularExpressions;
using Portal.Domain.Common;

namespace Portal.Domain.Quotas;

/// <summary>
/// Which nodes of a cluster make up a resource pool: equality requirements on node labels
/// ("node-role=worker,topology.kubernetes.io/zone=zone-a"), or every node when empty.
/// </summary>
public sealed partial record NodeSelector(IReadOnlyList<KeyValuePair<string, string>> Requirements)
{
    public const int MaxLength = 500;
    public static NodeSelector Everything { get; } = new([]);

    public static Result<NodeSelector> Parse(string? text, string field = "NodeSelector")
    {
        var value = text?.Trim() ?? "";
        if (value.Length == 0)
            return Everything;
        if (value.Length > MaxLength)
            return Problem.Invalid(field, $"A node selector has at most {MaxLength} characters.");
        var requirements = new List<KeyValuePair<string, string>>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2 || !LabelKey().IsMatch(pair[0]) || !LabelValue().IsMatch(pair[1]))
                return Problem.Invalid(
                    field,
                    $"'{part}' is not a label requirement; write key=value pairs separated "
                        + "by commas, like 'node-role=worker,zone=a'."
                );
            requirements.Add(new(pair[0], pair[1]));
        }
        return new NodeSelector(requirements);
    }

    /// <summary>
    /// Whether a node with these labels ("key=value" lines, as the hosts inventory keeps them) belongs.
    /// </summary>
    public bool Matches(string labelLines)
    {
        if (Requirements.Count == 0)
            return true;
        var labels = labelLines.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return Requirements.All(r => labels.Contains($"{r.Key}={r.Value}", StringComparer.Ordinal));
    }

    /// <summary>
    /// Whether some node could match both selectors: unless one requires another value of a key the other requires too,
    /// a node labelled with both sets of requirements would.
    /// </summary>
    public bool Overlaps(NodeSelector other) =>
        !Requirements.Any(r => other.Requirements.Any(o => o.Key == r.Key && o.Value != r.Value));

    public override string ToString() => string.Join(",", Requirements.Select(r => $"{r.Key}={r.Value}"));

    [GeneratedRegex(@"\A([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\z")]
    private static partial Regex LabelKey();

    [GeneratedRegex(@"\A([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?\z")]
    private static partial Regex LabelValue();
}
