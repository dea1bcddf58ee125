using System.Globalization;
using System.Text;

namespace Portal.Infrastructure.Clouds.Providers.BareMetal;

/// <summary>
/// What the file <c>$HOME/.developer-center/host</c> on a claimed machine says: the host it serves (its tags, the
/// host tag among them), the name it was given and when it was claimed. One <c>key=value</c> per line, tags as
/// <c>tag.&lt;key&gt;=value</c>; no key or value spans lines.
/// </summary>
public sealed record ClaimMarker(string Name, DateTimeOffset? ClaimedAt, IReadOnlyDictionary<string, string> Tags)
{
    private const string TagPrefix = "tag.";

    public string? HostTag => Tags.TryGetValue(CloudTags.Host, out var tag) ? tag : null;

    public bool ManagedByPortal => Tags.TryGetValue(CloudTags.ManagedBy, out var by) && by == CloudTags.Portal;

    /// <summary>The marker of a machine claimed for the spec's host: its tags, the host and managed-by tags.</summary>
    public static ClaimMarker For(InstanceSpec spec, DateTimeOffset now)
    {
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in spec.Tags)
            tags[key] = value;
        tags[CloudTags.Host] = spec.HostTag;
        tags[CloudTags.ManagedBy] = CloudTags.Portal;
        var marker = new ClaimMarker(spec.Name, now, tags);
        var texts = tags.SelectMany(t => new[] { t.Key, t.Value }).Append(spec.Name);
        if (texts.Any(t => t.Any(char.IsControl)) || tags.Keys.Any(k => k.Contains('=') || k.Length == 0))
            throw new CloudRefusal(
                CloudRefusalKind.Invalid,
                "The host's name and tags must be single lines, and tag keys non-empty without '='",
                "InvalidTag"
            );
        return marker;
    }

    public string Render()
    {
        var text = new StringBuilder();
        text.Append("# Claimed by the developer center; removed when the host is decommissioned.\n");
        text.Append("name=").Append(Name).Append('\n');
        if (ClaimedAt is { } at)
            text.Append("claimed-at=").Append(at.ToString("O", CultureInfo.InvariantCulture)).Append('\n');
        foreach (var (key, value) in Tags)
            text.Append(TagPrefix).Append(key).Append('=').Append(value).Append('\n');
        return text.ToString();
    }

    public static ClaimMarker Parse(string text)
    {
        var name = "";
        DateTimeOffset? claimedAt = null;
        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var equals = line.IndexOf('=');
            if (line.StartsWith('#') || equals < 0)
                continue;
            var (key, value) = (line[..equals], line[(equals + 1)..]);
            if (key == "name")
                name = value;
            else if (
                key == "claimed-at"
                && DateTimeOffset.TryParse(
                    value,
                    CultureInfo.InvariantCulture,
                    DateTimeStyles.RoundtripKind,
                    out var at
                )
            )
                claimedAt = at;
            else if (key.StartsWith(TagPrefix, StringComparison.Ordinal) && key.Length > TagPrefix.Length)
                tags[key[TagPrefix.Length..]] = value;
        }
        return new ClaimMarker(name, claimedAt, tags);
    }
}
