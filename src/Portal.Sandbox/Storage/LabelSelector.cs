using System.Text.Json.Nodes;
using Portal.Sandbox.Common;

namespace Portal.Sandbox.Storage;

/// <summary>A parsed label selector: <c>a=b, c!=d, e in (f,g), h notin (i), j, !k</c>.</summary>
public sealed class LabelSelector
{
    private readonly List<Requirement> _requirements;

    private LabelSelector(List<Requirement> requirements) => _requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool IsEmpty => _requirements.Count == 0;

    public bool Matches(IReadOnlyList<KeyValuePair<string, string>> labels) =>
        _requirements.TrueForAll(r => r.Matches(labels));

    public bool Matches(IReadOnlyDictionary<string, string> labels) => Matches(labels.ToList());

    /// <summary>
    /// Parses the query-string form; throws <see cref="FormatException"/> with the API server's wording.
    /// </summary>
    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var requirements = new List<Requirement>();
        foreach (var part in SplitTopLevel(text))
        {
            var term = part.Trim();
            if (term.Length == 0)
            {
                continue;
            }
            requirements.Add(ParseTerm(term));
        }
        return new LabelSelector(requirements);
    }

    /// <summary>Builds a selector from a metav1.LabelSelector object (matchLabels and matchExpressions).</summary>
    public static LabelSelector FromObject(JsonObject? selector)
    {
        if (selector is null)
        {
            return Everything;
        }
        var requirements = new List<Requirement>();
        foreach (var (key, value) in selector.Obj("matchLabels").StringMap())
        {
            requirements.Add(new Requirement(key, Operator.Equals, [value]));
        }
        foreach (var expression in selector.Arr("matchExpressions").Objects())
        {
            var values = expression.Arr("values")?.Select(v => v?.ToString() ?? "").ToArray() ?? [];
            var op = expression.Str("operator") switch
            {
                "In" => Operator.In,
                "NotIn" => Operator.NotIn,
                "Exists" => Operator.Exists,
                "DoesNotExist" => Operator.DoesNotExist,
                var other => throw new FormatException($"{other} is not a valid label selector operator"),
            };
            requirements.Add(new Requirement(expression.Str("key") ?? "", op, values));
        }
        return new LabelSelector(requirements);
    }

    /// <summary>The string form used in Scale status and kubectl output.</summary>
    public override string ToString() => string.Join(",", _requirements.Select(r => r.ToString()));

    private static Requirement ParseTerm(string term)
    {
        if (term.StartsWith('!'))
        {
            return new Requirement(ValidKey(term[1..].Trim()), Operator.DoesNotExist, []);
        }
        var spaceIn = IndexOfWord(term, "notin");
        if (spaceIn > 0)
        {
            return new Requirement(ValidKey(term[..spaceIn].Trim()), Operator.NotIn, SetValues(term[(spaceIn + 5)..]));
        }
        spaceIn = IndexOfWord(term, "in");
        if (spaceIn > 0)
        {
            return new Requirement(ValidKey(term[..spaceIn].Trim()), Operator.In, SetValues(term[(spaceIn + 2)..]));
        }
        foreach (
            var (token, op) in new[] { ("!=", Operator.NotEquals), ("==", Operator.Equals), ("=", Operator.Equals) }
        )
        {
            var at = term.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                return new Requirement(ValidKey(term[..at].Trim()), op, [term[(at + token.Length)..].Trim()]);
            }
        }
        return new Requirement(ValidKey(term), Operator.Exists, []);
    }

    private static string ValidKey(string key)
    {
        if (key.Length == 0 || key.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/')))
        {
            throw new FormatException($"unable to parse requirement: invalid label key \"{key}\"");
        }
        return key;
    }

    private static int IndexOfWord(string term, string word)
    {
        var at = term.IndexOf(" " + word + " ", StringComparison.Ordinal);
        if (at >= 0)
        {
            return at + 1;
        }
        at = term.IndexOf(" " + word + "(", StringComparison.Ordinal);
        return at >= 0 ? at + 1 : -1;
    }

    private static string[] SetValues(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith('(') || !trimmed.EndsWith(')'))
        {
            throw new FormatException($"unable to parse requirement: found '{trimmed}', expected: '('");
        }
        return trimmed[1..^1].Split(',', StringSplitOptions.TrimEntries);
    }

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i];
                    start = i + 1;
                    break;
            }
        }
        yield return text[start..];
    }

    private enum Operator
    {
        Equals,
        NotEquals,
        In,
        NotIn,
        Exists,
        DoesNotExist,
    }

    private sealed record Requirement(string Key, Operator Op, string[] Values)
    {
        public bool Matches(IReadOnlyList<KeyValuePair<string, string>> labels)
        {
            string? value = null;
            var found = false;
            for (var i = 0; i < labels.Count; i++)
            {
                if (labels[i].Key == Key)
                {
                    value = labels[i].Value;
                    found = true;
                    break;
                }
            }
            return Op switch
            {
                Operator.Equals or Operator.In => found && Values.Contains(value),
                Operator.NotEquals or Operator.NotIn => !found || !Values.Contains(value),
                Operator.Exists => found,
                _ => !found,
            };
        }

        public override string ToString() =>
            Op switch
            {
                Operator.Equals => $"{Key}={Values[0]}",
                Operator.NotEquals => $"{Key}!={Values[0]}",
                Operator.In => $"{Key} in ({string.Join(",", Values)})",
                Operator.NotIn => $"{Key} notin ({string.Join(",", Values)})",
                Operator.Exists => Key,
                _ => "!" + Key,
            };
    }
}
