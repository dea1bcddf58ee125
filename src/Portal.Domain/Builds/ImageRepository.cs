using System.Text.RegularExpressions;
using Portal.Domain.Common;

namespace Portal.Domain.Builds;

/// <summary>
/// A repository in the portal's registry, "{tenant}/{app}": each tenant's images live under its own name, so that
/// registry permissions and retention can follow tenants. The base images the portal makes live under "base/".
/// </summary>
public sealed partial record ImageRepository
{
    public string Value { get; }

    private ImageRepository(string value) => Value = value;

    public static Result<ImageRepository> For(string tenant, string app) => Parse($"{tenant}/{app}");

    /// <summary>A repository path as the distribution spec writes it: lowercase components separated by '/'.</summary>
    public static Result<ImageRepository> Parse(string? text, string field = "Repository")
    {
        if (string.IsNullOrEmpty(text) || text.Length > 255)
            return Problem.Invalid(field, "A repository name has 1 to 255 characters.");
        if (!text.Split('/').All(c => PathComponent().IsMatch(c)))
            return Problem.Invalid(
                field,
                $"'{text}' is not a repository name: use lowercase letters and digits, separated by '.', '_', "
                    + "'__' or dashes, in components separated by '/'."
            );
        return new ImageRepository(text);
    }

    public override string ToString() => Value;

    [GeneratedRegex("\\A[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*\\z")]
    private static partial Regex PathComponent();
}
