using System.Globalization;
using System.Text.RegularExpressions;

namespace Portal.Domain.Middleware;

/// <summary>
/// Versions as numbers, component by component: "16.10" is newer than "16.9", and "16" is "16.0". Only versions made
/// of one to four dot-separated whole numbers are valid in a template, so that every two can be compared.
/// </summary>
public static partial class VersionOrder
{
    public static IComparer<string> Comparer { get; } = Comparer<string>.Create(Compare);

    public static bool IsValid(string? version) => version is not null && Pattern().IsMatch(version);

    /// <summary>
    /// Negative when <paramref name="a"/> is older, positive when newer; invalid versions sort before valid ones.
    /// </summary>
    public static int Compare(string? a, string? b)
    {
        var (left, right) = (Components(a), Components(b));
        if (left is null || right is null)
            return (left is null ? 0 : 1) - (right is null ? 0 : 1);
        for (var i = 0; i < Math.Max(left.Length, right.Length); i++)
        {
            var order = (i < left.Length ? left[i] : 0).CompareTo(i < right.Length ? right[i] : 0);
            if (order != 0)
                return order;
        }
        return 0;
    }

    /// <summary>
    /// Whether <paramref name="line"/> is a leading run of the components of <paramref name="version"/>: "16" of
    /// "16.4", "8.0" of "8.0.42".
    /// </summary>
    public static bool IsInLine(string? version, string? line)
    {
        var (v, l) = (Components(version), Components(line));
        return v is not null && l is not null && l.Length <= v.Length && l.SequenceEqual(v.Take(l.Length));
    }

    /// <summary>
    /// The version without trailing zero components ("16.0" is "16"), so that equal versions are written alike.
    /// </summary>
    public static string Canonical(string version)
    {
        var components = Components(version);
        if (components is null)
            return version;
        var length = components.Length;
        while (length > 1 && components[length - 1] == 0)
            length--;
        return string.Join('.', components.Take(length));
    }

    private static long[]? Components(string? version) =>
        IsValid(version)
            ? version!.Split('.').Select(c => long.Parse(c, CultureInfo.InvariantCulture)).ToArray()
            : null;

    [GeneratedRegex(@"\A[0-9]{1,9}(\.[0-9]{1,9}){0,3}\z")]
    private static partial Regex Pattern();
}
