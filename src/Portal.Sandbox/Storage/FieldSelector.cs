using Portal.Sandbox.Common;

namespace Portal.Sandbox.Storage;

/// <summary>
/// A field selector (<c>metadata.name=x,status.phase!=Running</c>). The indexed fields are answered from the
/// index record; any other field path is read from the object's JSON.
/// </summary>
public sealed class FieldSelector
{
    private readonly List<(string Field, bool Equal, string Value)> _terms;

    private FieldSelector(List<(string, bool, string)> terms) => _terms = terms;

    public static FieldSelector Everything { get; } = new([]);

    public bool IsEmpty => _terms.Count == 0;

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var terms = new List<(string, bool, string)>();
        foreach (var raw in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var notEqual = raw.IndexOf("!=", StringComparison.Ordinal);
            if (notEqual > 0)
            {
                terms.Add((raw[..notEqual], false, raw[(notEqual + 2)..]));
                continue;
            }
            var equal = raw.IndexOf("==", StringComparison.Ordinal);
            if (equal > 0)
            {
                terms.Add((raw[..equal], true, raw[(equal + 2)..]));
                continue;
            }
            equal = raw.IndexOf('=', StringComparison.Ordinal);
            if (equal <= 0)
            {
                throw new FormatException($"invalid selector: '{text}'; can't understand '{raw}'");
            }
            terms.Add((raw[..equal], true, raw[(equal + 1)..]));
        }
        return new FieldSelector(terms);
    }

    public bool Matches(StoredObject item)
    {
        foreach (var (field, equal, value) in _terms)
        {
            var actual = field switch
            {
                "metadata.name" => item.Name,
                "metadata.namespace" => item.Namespace,
                "spec.nodeName" when item.Kind == Api.ResourceKinds.Pod => item.NodeName ?? "",
                "status.phase" when item.Kind == Api.ResourceKinds.Pod => item.Phase ?? "",
                _ => ReadField(item, field),
            };
            if ((actual == value) != equal)
            {
                return false;
            }
        }
        return true;
    }

    private static string ReadField(StoredObject item, string field)
    {
        var value = item.Parse().At(field.Split('.'));
        return value switch
        {
            null => "",
            System.Text.Json.Nodes.JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => value.ToJsonString().ToLowerInvariant(),
        };
    }
}
