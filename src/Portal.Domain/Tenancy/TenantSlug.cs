using System.Text.RegularExpressions;
using Portal.Domain.Common;

namespace Portal.Domain.Tenancy;

/// <summary>
/// The tenant's name in routes and, later, in Kubernetes namespace names: a DNS-1123 label short enough
/// that "{tenant}-{environment}" still fits the 63-character limit.
/// </summary>
public sealed partial record TenantSlug
{
    public const int MaxLength = 30;
    public string Value { get; }

    private TenantSlug(string value) => Value = value;

    public static Result<TenantSlug> Create(string? input, string field = "Slug")
    {
        var value = input?.Trim() ?? "";
        if (value.Length == 0)
            return Problem.Invalid(field, "A slug is required.");
        if (value.Length < 2 || value.Length > MaxLength)
            return Problem.Invalid(
                field,
                $"A slug has 2 to {MaxLength} characters; '{Shorten(value)}' has {value.Length}."
            );
        if (!SlugPattern().IsMatch(value))
        {
            return Problem.Invalid(
                field,
                "A slug uses lowercase letters, digits and '-', starts with a letter "
                    + "and ends with a letter or digit (like 'team-a')."
            );
        }

        if (value.Contains("--", StringComparison.Ordinal))
            return Problem.Invalid(field, "A slug may not contain two '-' in a row.");
        return new TenantSlug(value);
    }

    public override string ToString() => Value;

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";

    [GeneratedRegex("\\A[a-z]([a-z0-9-]*[a-z0-9])?\\z")]
    private static partial Regex SlugPattern();
}
