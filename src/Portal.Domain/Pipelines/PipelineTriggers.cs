namespace Portal.Domain.Pipelines;

/// <summary>
/// What starts a run besides a person: a push to a branch matching one of <see cref="Branches"/>, a tag matching one
/// of <see cref="Tags"/> (through the pipeline's webhook), a <see cref="Schedule"/> (a cron expression, in UTC) and the
/// polling of the source's branch every <see cref="PollEvery"/> for sources that send no webhooks. A person can always
/// start a run with a chosen commit.
/// </summary>
public sealed record PipelineTriggers(
    IReadOnlyList<string> Branches,
    IReadOnlyList<string> Tags,
    string? Schedule,
    TimeSpan? PollEvery
)
{
    public static PipelineTriggers None { get; } = new([], [], null, null);

    /// <summary>Whether a push to branch <paramref name="branch"/> starts a run.</summary>
    public bool StartsOnBranch(string branch) => Branches.Any(p => RefPattern.Matches(p, branch));

    /// <summary>Whether a pushed tag <paramref name="tag"/> starts a run.</summary>
    public bool StartsOnTag(string tag) => Tags.Any(p => RefPattern.Matches(p, tag));
}

/// <summary>
/// A branch or tag pattern: <c>*</c> stands for any characters but <c>/</c>, <c>**</c> for any characters at all
/// (<c>release/*</c>, <c>v*</c>, <c>feature/**</c>); anything else stands for itself.
/// </summary>
public static class RefPattern
{
    public static bool Matches(string pattern, string name) => Matches(pattern.AsSpan(), name.AsSpan());

    private static bool Matches(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        while (pattern.Length > 0)
        {
            if (pattern[0] != '*')
            {
                if (name.Length == 0 || name[0] != pattern[0])
                    return false;
                pattern = pattern[1..];
                name = name[1..];
                continue;
            }
            var any = pattern.StartsWith("**");
            var rest = pattern[(any ? 2 : 1)..];
            for (var taken = 0; taken <= name.Length; taken++)
            {
                if (Matches(rest, name[taken..]))
                    return true;
                if (taken < name.Length && !any && name[taken] == '/')
                    return false;
            }
            return false;
        }
        return name.Length == 0;
    }

    /// <summary>Why <paramref name="pattern"/> is no pattern, as the end of a sentence, or null.</summary>
    public static string? Refusal(string pattern)
    {
        if (pattern.Length == 0)
            return "is empty.";
        if (pattern.Length > 200)
            return "is longer than 200 characters.";
        if (pattern.Contains("***", StringComparison.Ordinal))
            return "holds '***': use '*' or '**'.";
        if (pattern.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '~' or '^' or ':' or '?' or '['))
            return "holds a character Git does not allow in a branch or tag name.";
        return null;
    }
}
