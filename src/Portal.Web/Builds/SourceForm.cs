using Portal.Domain.Builds;
using Portal.Infrastructure.Builds;

namespace Portal.Web.Builds;

/// <summary>
/// The source form as posted: the address, and the credential in the field its kind uses (a token or password in
/// <see cref="Secret"/>, an SSH key in <see cref="SshKey"/>). Neither is ever written back to the page.
/// </summary>
public sealed class SourceForm
{
    public string? RepositoryUrl { get; set; }
    public string? Ref { get; set; }
    public string? SubDirectory { get; set; }
    public GitCredentialKind CredentialKind { get; set; }
    public string? UserName { get; set; }
    public string? Secret { get; set; }
    public string? SshKey { get; set; }

    public static SourceForm Of(AppSourceView? source) =>
        source is null
            ? new SourceForm { Ref = "main" }
            : new SourceForm
            {
                RepositoryUrl = source.RepositoryUrl,
                Ref = source.Ref,
                SubDirectory = source.SubDirectory,
                CredentialKind = source.CredentialKind,
            };

    public ConnectAppSource ToRequest(string app) =>
        new(
            app,
            RepositoryUrl,
            Ref,
            SubDirectory,
            CredentialKind,
            UserName,
            CredentialKind == GitCredentialKind.SshKey ? SshKey : Secret
        );

    /// <summary>
    /// The form's field for each field the use case names: a key's refusal goes under the key's box.
    /// </summary>
    public string KeyOf(string? domainField) =>
        domainField switch
        {
            null => "",
            "Secret" when CredentialKind == GitCredentialKind.SshKey => nameof(SshKey),
            _ => domainField,
        };
}
