using Portal.Domain.Common;

namespace Portal.Domain.Applications;

/// <summary>
/// An application's name, which is also the name of its Deployment, Service and Ingress: a DNS-1123 label short
/// enough for the suffixes of its other objects ("{app}-config", pod names) and for the instance label
/// "{app}-{environment}" to stay within 63 characters. It starts with a letter because a Service name must be a
/// DNS-1035 label, which is stricter than DNS-1123.
/// </summary>
public sealed record ApplicationName
{
    public const int MaxLength = 40;

    /// <summary>
    /// Words of the portal's own addresses beside an application's ("/t/{tenant}/apps/new"): an application of that
    /// name could not be reached.
    /// </summary>
    public static readonly IReadOnlySet<string> Reserved = new HashSet<string>(
        ["new", "import"],
        StringComparer.Ordinal
    );
    public string Value { get; }

    private ApplicationName(string value) => Value = value;

    public static Result<ApplicationName> Create(string? input, string field = "Name")
    {
        var value = input?.Trim() ?? "";
        if (value.Length == 0)
            return Problem.Invalid(field, "An application needs a name.");
        if (value.Length > MaxLength)
            return Problem.Invalid(
                field,
                $"An application name has at most {MaxLength} characters; '{value}' has {value.Length}."
            );
        if (!KubernetesSyntax.IsDns1123Label(value) || !char.IsAsciiLetterLower(value[0]))
        {
            return Problem.Invalid(
                field,
                $"'{value}' is not a valid application name: use lowercase letters, "
                    + "digits and '-', starting with a letter and ending with a letter or "
                    + "digit (like 'orders-api')."
            );
        }

        if (Reserved.Contains(value))
            return Problem.Invalid(
                field,
                $"'{value}' is reserved: the portal's own pages use it in their "
                    + $"addresses (/t/{{tenant}}/apps/{value}). Choose another name."
            );
        return new ApplicationName(value);
    }

    public override string ToString() => Value;
}
