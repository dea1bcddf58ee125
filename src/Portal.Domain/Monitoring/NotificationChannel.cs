using Portal.Domain.Common;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Monitoring;

public enum ChannelKind
{
    Webhook,
    Email,
}

/// <summary>
/// Where alerts are delivered: a webhook that receives signed JSON, or a list of e-mail recipients. A channel with
/// no tenant is a platform channel, for the operators' own alerts.
/// </summary>
public sealed class NotificationChannel
{
    public const int NameMaxLength = 64;
    public const int TargetMaxLength = 2000;
    public const int MaxRecipients = 20;

    public Guid Id { get; private set; }
    public Guid? TenantId { get; private set; }
    public string Name { get; private set; } = "";
    public ChannelKind Kind { get; private set; }

    /// <summary>
    /// Where the channel delivers, as anyone who may read it sees it: a webhook's scheme and host only
    /// (<see cref="Masked"/>), since its path or query may be its credential, as in Slack's and Teams' URLs; or the
    /// e-mail recipients separated by commas.
    /// </summary>
    public string Target { get; private set; } = "";

    /// <summary>The webhook's whole URL as the caller sealed it, like its secret; empty for e-mail.</summary>
    public string SealedUrl { get; private set; } = "";

    /// <summary>The webhook's signing secret as the secret vault sealed it; empty for e-mail.</summary>
    public string SealedSecret { get; private set; } = "";

    public bool Enabled { get; private set; }
    public DateTime CreatedAt { get; private set; }

    private NotificationChannel() { }

    /// <summary>
    /// A webhook channel; <paramref name="sealedSecret"/> is the signing secret already sealed for storage, and
    /// <paramref name="sealUrl"/> seals the URL the same way.
    /// </summary>
    public static Result<NotificationChannel> CreateWebhook(
        Guid? tenantId,
        string? name,
        string? url,
        string sealedSecret,
        Func<string, string> sealUrl,
        DateTime now
    )
    {
        ArgumentException.ThrowIfNullOrEmpty(sealedSecret);
        var problems = new List<Problem>();
        var validName = ValidName(name, problems);
        var validUrl = WebhookUrl(url, problems);
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        return new NotificationChannel
        {
            Id = Guid.NewGuid(),
            TenantId = tenantId,
            Name = validName,
            Kind = ChannelKind.Webhook,
            Target = Masked(new Uri(validUrl)),
            SealedUrl = sealUrl(validUrl),
            SealedSecret = sealedSecret,
            Enabled = true,
            CreatedAt = now,
        };
    }

    /// <summary>
    /// A webhook URL cut after its host (<c>https://hooks.slack.com/…</c>): what may be shown to anyone, written to
    /// logs and audited.
    /// </summary>
    public static string Masked(Uri url) =>
        $"{url.Scheme}://{url.Authority}/" + (url.PathAndQuery == "/" && url.Fragment.Length == 0 ? "" : "…");

    /// <summary>
    /// Seals the URL of a webhook saved before URLs were sealed, whose <see cref="Target"/> still holds it whole.
    /// </summary>
    public void SealPlainUrl(Func<string, string> sealUrl)
    {
        if (Kind != ChannelKind.Webhook || SealedUrl.Length > 0)
            return;
        SealedUrl = sealUrl(Target);
        Target = Masked(new Uri(Target));
    }

    /// <summary>An e-mail channel; recipients may be separated by commas, semicolons or line breaks.</summary>
    public static Result<NotificationChannel> CreateEmail(
        Guid? tenantId,
        string? name,
        string? recipients,
        DateTime now
    )
    {
        var problems = new List<Problem>();
        var validName = ValidName(name, problems);
        var validRecipients = RecipientList(recipients, problems);
        if (problems.Count > 0)
            return Problem.Invalid(problems);
        return new NotificationChannel
        {
            Id = Guid.NewGuid(),
            TenantId = tenantId,
            Name = validName,
            Kind = ChannelKind.Email,
            Target = validRecipients,
            SealedSecret = "",
            Enabled = true,
            CreatedAt = now,
        };
    }

    public bool IsPlatformChannel => TenantId is null;

    /// <summary>The e-mail addresses this channel delivers to; empty for a webhook.</summary>
    public IReadOnlyList<string> Recipients =>
        Kind == ChannelKind.Email
            ? Target.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];

    public void Enable() => Enabled = true;

    public void Disable() => Enabled = false;

    /// <summary>
    /// A new signing secret for a webhook, sealed by the caller; receivers must be given it before they can verify
    /// again.
    /// </summary>
    public void ReplaceSecret(string sealedSecret)
    {
        if (Kind != ChannelKind.Webhook || string.IsNullOrEmpty(sealedSecret))
            throw new InvalidOperationException("Only a webhook has a secret, and a new one is not empty.");
        SealedSecret = sealedSecret;
    }

    private static string ValidName(string? name, List<Problem> problems)
    {
        var value = name?.Trim() ?? "";
        if (value.Length == 0 || value.Length > NameMaxLength)
            problems.Add(Problem.Invalid("Name", $"A channel name of 1 to {NameMaxLength} characters is required."));
        return value;
    }

    private static string WebhookUrl(string? url, List<Problem> problems)
    {
        var value = url?.Trim() ?? "";
        if (value.Length == 0)
        {
            problems.Add(Problem.Invalid("Url", "The webhook's URL is required."));
        }
        else if (value.Length > TargetMaxLength)
        {
            problems.Add(Problem.Invalid("Url", $"A webhook URL has at most {TargetMaxLength} characters."));
        }
        else if (
            !Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
            || uri.Host.Length == 0
        )
        {
            problems.Add(Problem.Invalid("Url", $"'{value}' is not an absolute http:// or https:// URL."));
        }
        else if (uri.UserInfo.Length > 0)
        {
            problems.Add(
                Problem.Invalid(
                    "Url",
                    "A webhook URL must not carry a user name or password; the portal signs each request instead."
                )
            );
        }

        return value;
    }

    private static string RecipientList(string? recipients, List<Problem> problems)
    {
        var entries = (recipients ?? "").Split(
            [',', ';', '\n', '\r'],
            StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries
        );
        if (entries.Length == 0)
        {
            problems.Add(Problem.Invalid("Recipients", "At least one e-mail address is required."));
            return "";
        }
        var addresses = new List<string>();
        foreach (var entry in entries)
        {
            var address = EmailAddress.Create(entry, "Recipients");
            if (!address.Succeeded)
            {
                problems.Add(address.Problem!);
                return "";
            }
            if (!addresses.Contains(address.Value, StringComparer.Ordinal))
                addresses.Add(address.Value);
        }
        if (addresses.Count > MaxRecipients)
        {
            problems.Add(
                Problem.Invalid(
                    "Recipients",
                    $"A channel sends to at most {MaxRecipients} addresses; use a mailing list for more."
                )
            );
            return "";
        }
        var joined = string.Join(",", addresses);
        if (joined.Length > TargetMaxLength)
            problems.Add(
                Problem.Invalid(
                    "Recipients",
                    $"The recipients take at most {TargetMaxLength} characters together; use a mailing list for more."
                )
            );
        return joined;
    }
}
