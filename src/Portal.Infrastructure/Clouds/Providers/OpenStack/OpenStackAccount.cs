using System.Security.Cryptography;
using System.Text;

namespace Portal.Infrastructure.Clouds.Providers.OpenStack;

/// <summary>
/// The fields of an OpenStack account and how Keystone is asked for a token with them: password authentication
/// (user, its domain, password, scoped to a project) or an application credential (scoped by Keystone itself).
/// </summary>
public static class OpenStackAccount
{
    public const string UserName = "UserName";
    public const string UserDomain = "UserDomain";
    public const string ProjectName = "ProjectName";
    public const string ProjectDomain = "ProjectDomain";
    public const string ApplicationCredentialId = "ApplicationCredentialId";
    public const string Password = "Password";
    public const string ApplicationCredentialSecret = "ApplicationCredentialSecret";

    public const string DefaultDomain = "Default";

    public static IReadOnlyList<CloudField> Fields { get; } =
    [
        new(
            UserName,
            "User name",
            Secret: false,
            Required: false,
            "For password authentication; leave empty when the account uses an application credential."
        ),
        new(UserDomain, "User domain", Secret: false, Required: false, "The user's domain name; \"Default\" if empty."),
        new(
            ProjectName,
            "Project name",
            Secret: false,
            Required: false,
            "The project the password token is scoped to (an application credential names its own)."
        ),
        new(
            ProjectDomain,
            "Project domain",
            Secret: false,
            Required: false,
            "The project's domain name; \"Default\" if empty."
        ),
        new(
            ApplicationCredentialId,
            "Application credential id",
            Secret: false,
            Required: false,
            "Set it (with its secret) to authenticate with an application credential instead of a password."
        ),
        new(Password, "Password", Secret: true, Required: false, "The user's password, for password authentication."),
        new(
            ApplicationCredentialSecret,
            "Application credential secret",
            Secret: true,
            Required: false,
            "The secret of the application credential."
        ),
    ];

    public static bool UsesApplicationCredential(CloudAccess access) =>
        access.Setting(ApplicationCredentialId).Trim().Length > 0;

    /// <summary>The Keystone v3 URL that issues tokens, from the account's endpoint (its auth URL).</summary>
    public static Uri TokensUrl(CloudAccess access)
    {
        var endpoint = access.Endpoint
            ?? throw new CloudRefusal(
                CloudRefusalKind.Invalid,
                "An OpenStack account needs its Keystone v3 auth URL as its endpoint: OpenStack has no public one."
            );
        var root = endpoint.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new Uri(
            root.EndsWith("/v3", StringComparison.Ordinal) ? root + "/auth/tokens" : root + "/v3/auth/tokens"
        );
    }

    /// <summary>The body of <c>POST /v3/auth/tokens</c> for the account's way of authenticating.</summary>
    public static string AuthRequest(CloudAccess access)
    {
        if (UsesApplicationCredential(access))
            return System.Text.Json.JsonSerializer.Serialize(
                new
                {
                    auth = new
                    {
                        identity = new
                        {
                            methods = new[] { "application_credential" },
                            application_credential = new
                            {
                                id = access.Setting(ApplicationCredentialId).Trim(),
                                secret = access.Secret(ApplicationCredentialSecret),
                            },
                        },
                    },
                }
            );
        var user = access.Setting(UserName).Trim();
        var project = access.Setting(ProjectName).Trim();
        if (user.Length == 0 || project.Length == 0)
            throw new CloudRefusal(
                CloudRefusalKind.Credentials,
                "Password authentication needs a user name and a project name (or use an application credential)."
            );
        return System.Text.Json.JsonSerializer.Serialize(
            new
            {
                auth = new
                {
                    identity = new
                    {
                        methods = new[] { "password" },
                        password = new
                        {
                            user = new
                            {
                                name = user,
                                domain = new { name = DomainOf(access, UserDomain) },
                                password = access.Secret(Password),
                            },
                        },
                    },
                    scope = new
                    {
                        project = new { name = project, domain = new { name = DomainOf(access, ProjectDomain) } },
                    },
                },
            }
        );
    }

    /// <summary>
    /// What a cached token is kept under: the account and everything its token depends on, the secrets only as a
    /// hash, so that an account whose password changed authenticates again.
    /// </summary>
    public static string SessionKey(CloudAccess access)
    {
        var identity = string.Join(
            '\n',
            access.AccountId.ToString("N"),
            access.Endpoint?.ToString() ?? "",
            access.Setting(UserName),
            DomainOf(access, UserDomain),
            access.Setting(ProjectName),
            DomainOf(access, ProjectDomain),
            access.Setting(ApplicationCredentialId),
            access.Secret(Password),
            access.Secret(ApplicationCredentialSecret)
        );
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(identity)));
    }

    private static string DomainOf(CloudAccess access, string field) =>
        access.Setting(field).Trim() is { Length: > 0 } domain ? domain : DefaultDomain;
}
