using System.Globalization;

namespace Portal.SandboxCloud.Aws;

/// <summary>
/// The parameters of one EC2 Query API request (form body and query string together), read back from the
/// flattening the SDK sends: <c>InstanceId.1</c>, <c>Filter.1.Name</c> / <c>Filter.1.Value.1</c>,
/// <c>TagSpecification.1.Tag.1.Key</c>.
/// </summary>
internal sealed class Ec2Parameters(IReadOnlyDictionary<string, string> values)
{
    public static async Task<Ec2Parameters> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in request.Query)
            values[key] = value.ToString();
        if (request.HasFormContentType)
            foreach (var (key, value) in await request.ReadFormAsync(ct))
                values[key] = value.ToString();
        return new Ec2Parameters(values);
    }

    public string? this[string name] => values.TryGetValue(name, out var value) ? value : null;

    public string Text(string name) => this[name] ?? "";

    public int? Int(string name) =>
        int.TryParse(this[name], NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number : null;

    /// <summary>The members of a flattened list: <c>prefix.1</c>, <c>prefix.2</c>… up to the first gap.</summary>
    public IReadOnlyList<string> List(string prefix)
    {
        var items = new List<string>();
        for (var i = 1; this[$"{prefix}.{i}"] is { } item; i++)
            items.Add(item);
        return items;
    }

    /// <summary>How many members a flattened list of structures has: those with <c>prefix.N.member</c> set.</summary>
    public int Count(string prefix, string member)
    {
        var count = 0;
        while (this[$"{prefix}.{count + 1}.{member}"] is not null)
            count++;
        return count;
    }

    /// <summary><c>Filter.N.Name</c> → its <c>Filter.N.Value.M</c> values.</summary>
    public IReadOnlyList<(string Name, IReadOnlyList<string> Values)> Filters()
    {
        var filters = new List<(string, IReadOnlyList<string>)>();
        for (var i = 1; i <= Count("Filter", "Name"); i++)
            filters.Add((Text($"Filter.{i}.Name"), List($"Filter.{i}.Value")));
        return filters;
    }

    /// <summary>The tags of the <c>TagSpecification.N</c> whose ResourceType is the one asked for.</summary>
    public IReadOnlyDictionary<string, string> Tags(string resourceType)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i <= Count("TagSpecification", "ResourceType"); i++)
        {
            if (Text($"TagSpecification.{i}.ResourceType") != resourceType)
                continue;
            for (var j = 1; this[$"TagSpecification.{i}.Tag.{j}.Key"] is { } key; j++)
                tags[key] = Text($"TagSpecification.{i}.Tag.{j}.Value");
        }
        return tags;
    }
}
