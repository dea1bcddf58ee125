using System.Net.Mail;
using Portal.Domain.Common;

namespace Portal.Domain.Tenancy;

public static class EmailAddress
{
    public const int MaxLength = 254;

    /// <summary>Normalizes an address to lower case, or explains why it is not one.</summary>
    public static Result<string> Create(string? input, string field = "Email")
    {
        var value = input?.Trim() ?? "";
        if (value.Length == 0)
            return Problem.Invalid(field, "An email address is required.");
        if (value.Length > MaxLength)
            return Problem.Invalid(field, $"An email address has at most {MaxLength} characters.");
        if (
            !MailAddress.TryCreate(value, out var parsed)
            || parsed.Address != value
            || !value.Contains('.', StringComparison.Ordinal)
        )
            return Problem.Invalid(field, $"'{value}' is not an email address.");
        return value.ToLowerInvariant();
    }
}
