using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Tests.Monitoring.Notifications;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Tenancy;

/// <summary>A portal whose SMTP settings (the alert channels') name a real SMTP server listening on loopback.</summary>
public sealed class MailingPortal : IAsyncLifetime
{
    private LocalSmtpServer? _smtp;

    /// <summary>Every mail the server was given, with the envelope's recipients.</summary>
    public IReadOnlyCollection<(IReadOnlyList<string> Recipients, MimeKit.MimeMessage Message)> Mails =>
        _smtp!.Messages;
    public PortalFactory Factory { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _smtp = await LocalSmtpServer.StartAsync();
        Factory = new PortalFactory(DatabaseKind.Sqlite, InvitationLinkOnlyScenarios.SmtpSettings(_smtp.Port));
        _ = Factory.Server;
    }

    public async Task DisposeAsync()
    {
        await Factory.DisposeAsync();
        await _smtp!.DisposeAsync();
    }
}

/// <summary>
/// With a mail server configured, "Invite by email" mails the link and says so, on the page and in the API.
/// </summary>
public sealed class InvitationMailScenarios(MailingPortal portal) : IClassFixture<MailingPortal>
{
    private Arrange Arrange => new(portal.Factory);

    [Fact]
    public async Task With_a_mail_server_an_invitation_is_mailed_with_its_link_and_the_page_says_so()
    {
        var tenant = await Arrange.TenantAsync(displayName: "Acme Shop");
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var email = $"{Arrange.Unique("new")}@portal.test";

        var invited = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/members",
            new()
            {
                ["Form.Email"] = email,
                ["Form.Role"] = "Developer",
                ["intent"] = "invite",
            }
        );
        var page = WebUtility.HtmlDecode(
            await (await admin.GetAsync($"/t/{tenant.Slug}/members")).Content.ReadAsStringAsync()
        );

        Assert.Equal(HttpStatusCode.Redirect, invited.StatusCode);
        Assert.Matches(
            "id=\"invitation-mail\" data-mail=\"sent\">[^<]*<i[^>]*></i> Invitation "
                + $"mailed to {Regex.Escape(email)}\\.",
            page
        );
        var link = InvitationLinkOnlyScenarios.LinkOnPage().Match(page).Groups[1].Value;
        var (_, message) = Assert.Single(portal.Mails, m => m.Recipients.Contains(email));
        Assert.Equal("invitations@portal.test", message.From.Mailboxes.Single().Address);
        Assert.Equal("You are invited to Acme Shop on the developer portal", message.Subject);
        Assert.Contains(link, message.TextBody);
        Assert.Contains("as Developer", message.TextBody);
        Assert.Contains(
            "Join Acme Shop",
            await (
                await new BrowserSession(portal.Factory).GetAsync(new Uri(link).PathAndQuery)
            ).Content.ReadAsStringAsync()
        );
    }

    [Fact]
    public async Task With_a_mail_server_an_invitation_made_through_the_api_is_mailed_and_the_answer_says_so()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));
        var email = $"{Arrange.Unique("api")}@portal.test";

        var invited = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/invitations",
            new { email, role = "Viewer" }
        );

        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var body = await invited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("sent", body.GetProperty("mail").GetProperty("status").GetString());
        var (_, message) = Assert.Single(portal.Mails, m => m.Recipients.Contains(email));
        Assert.Contains(body.GetProperty("link").GetString()!, message.TextBody);
    }
}

/// <summary>
/// Without a mail server, or with one that cannot be reached, an invitation is only a link, and the admin is told so.
/// </summary>
public sealed partial class InvitationLinkOnlyScenarios(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private Arrange Arrange => new(portal.Factory);

    /// <summary>The alert channels' SMTP settings, naming a server on loopback that speaks plain SMTP.</summary>
    public static Dictionary<string, string?> SmtpSettings(int port) =>
        new()
        {
            ["Portal:Monitoring:Notifications:Smtp:Host"] = "127.0.0.1",
            ["Portal:Monitoring:Notifications:Smtp:Port"] = port.ToString(CultureInfo.InvariantCulture),
            ["Portal:Monitoring:Notifications:Smtp:From"] = "invitations@portal.test",
            ["Portal:Monitoring:Notifications:Smtp:Security"] = "None",
            ["Portal:Monitoring:Notifications:Smtp:Timeout"] = "00:00:10",
        };

    [SkippableFact]
    public async Task Without_a_mail_server_the_page_and_the_api_say_only_a_link_was_made()
    {
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));

        await admin.PostFormAsync(
            $"/t/{tenant.Slug}/members",
            new()
            {
                ["Form.Email"] = "page@portal.test",
                ["Form.Role"] = "Developer",
                ["intent"] = "invite",
            }
        );
        var page = WebUtility.HtmlDecode(
            await (await admin.GetAsync($"/t/{tenant.Slug}/members")).Content.ReadAsStringAsync()
        );
        var answer = await (
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{tenant.Slug}/invitations",
                new { email = "api@portal.test", role = "Viewer" }
            )
        ).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Matches(
            "id=\"invitation-mail\" data-mail=\"not-configured\">[^<]*<i[^>]*></i> "
                + "No e-mail was sent: the portal has no mail server configured\\. "
                + "Send page@portal.test the link below yourself",
            page
        );
        Assert.Matches(LinkOnPage(), page);
        Assert.Equal("not-configured", answer.GetProperty("mail").GetProperty("status").GetString());
        Assert.Contains("/invitations/", answer.GetProperty("link").GetString());
    }

    [Fact]
    public async Task A_mail_server_that_cannot_be_reached_is_named_and_the_link_is_still_shown()
    {
        var port = LocalSmtpServer.FreePort();
        await using var unreachable = new PortalFactory(DatabaseKind.Sqlite, SmtpSettings(port));
        var arrange = new Arrange(unreachable);
        var tenant = await arrange.TenantAsync();
        var admin = await arrange.SignedInAsync(await arrange.MemberAsync(tenant, TenantRole.TenantAdmin));

        var invited = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/members",
            new()
            {
                ["Form.Email"] = "lost@portal.test",
                ["Form.Role"] = "Developer",
                ["intent"] = "invite",
            }
        );
        var page = WebUtility.HtmlDecode(
            await (await admin.GetAsync($"/t/{tenant.Slug}/members")).Content.ReadAsStringAsync()
        );

        Assert.Equal(HttpStatusCode.Redirect, invited.StatusCode);
        Assert.Matches(
            "id=\"invitation-mail\" data-mail=\"failed\">[^<]*<i[^>]*></i> The "
                + "invitation could not be mailed \\(The SMTP server "
                + $"127\\.0\\.0\\.1:{port} did not take the message",
            page
        );
        Assert.Matches(LinkOnPage(), page);
    }

    [GeneratedRegex("id=\"invitation-link\"[^>]*value=\"(https?://[^\"]+/invitations/[0-9a-f]+)\"")]
    internal static partial Regex LinkOnPage();
}
