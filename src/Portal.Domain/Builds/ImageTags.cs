using System.Text.RegularExpressions;
using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>The tags a build pushes: the commit's short hash, and its branch made into a valid tag.</summary>
public static partial class ImageTags
{
    public const int MaxLength = 128;
    public const int ShortShaLength = 12;

    public static Result<string> ForCommit(string? sha, string field = "Commit")
    {
        if (sha is null || !CommitSha().IsMatch(sha))
            return Problem.Invalid(field, $"'{sha}' is not a commit hash: write 7 to 64 hexadecimal digits.");
        var lower = sha.ToLowerInvariant();
        return lower[..Math.Min(ShortShaLength, lower.Length)];
    }

    /// <summary>
    /// "feature/Login" becomes "feature-login": characters a tag cannot hold turn into '-', the result is cut to 128
    /// characters, and a name that cannot start a tag gets a "branch-" prefix.
    /// </summary>
    public static Result<string> ForBranch(string? branch, string field = "Branch")
    {
        if (string.IsNullOrWhiteSpace(branch))
            return Problem.Invalid(field, "A branch name is required.");
        var tag = NotTagCharacters().Replace(branch.Trim().ToLowerInvariant(), "-").Trim('-', '.');
        if (tag.Length == 0)
            return Problem.Invalid(field, $"Branch '{branch}' has no letter or digit to make a tag from.");
        if (!char.IsAsciiLetterOrDigit(tag[0]) && tag[0] != '_')
            tag = "branch-" + tag;
        return tag[..Math.Min(MaxLength, tag.Length)].TrimEnd('-', '.');
    }

    public static bool IsValid(string? tag) => tag is not null && TagPattern().IsMatch(tag);

    [GeneratedRegex("\\A[0-9a-fA-F]{7,64}\\z")]
    private static partial Regex CommitSha();

    [GeneratedRegex("[^a-z0-9_.-]+")]
    private static partial Regex NotTagCharacters();

    [GeneratedRegex("\\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}\\z")]
    private static partial Regex TagPattern();
}
