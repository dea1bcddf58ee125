using System.Globalization;
using System.Text.RegularExpressions;
using Portal.Infrastructure.Tests.Monitoring.Notifications;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// The portal of the invitation-mail journey: its SMTP settings (the alert channels') name a loopback server.
/// </summary>
public sealed class MailingPortalFixture()
    : PortalFixture(
        new Dictionary<string, string>
        {
            ["Portal:Monitoring:Notifications:Smtp:Host"] = "127.0.0.1",
            ["Portal:Monitoring:Notifications:Smtp:Port"] = SmtpPort.ToString(CultureInfo.InvariantCulture),
            ["Portal:Monitoring:Notifications:Smtp:From"] = "portal@globex.test",
            ["Portal:Monitoring:Notifications:Smtp:Security"] = "None",
        }
    )
{
    /// <summary>Where the journey's SMTP server listens; the test starts it there.</summary>
    public static readonly int SmtpPort = LocalSmtpServer.FreePort();
}

/// <summary>
/// With a mail server configured, a platform admin invites a colleague by email: the members page says beforehand that
/// the invitation will be mailed and afterwards that it was; the mail holds the link, which opens the invitation.
/// </summary>
public sealed class InvitationMailJourneyTests(MailingPortalFixture portal, ITestOutputHelper output)
    : IClassFixture<MailingPortalFixture>
{
    private const string Invitee = "ops@globex.test";

    [SkippableFact]
    public async Task An_invitation_by_email_is_mailed_and_the_page_says_so()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");
        await using var smtp = await LocalSmtpServer.StartAsync(MailingPortalFixture.SmtpPort);
        var admin = await portal.NewSignedInAdminPageAsync();

        await admin.GotoAsync("/admin/tenants");
        await admin.Locator("#Form_Slug").FillAsync("globex");
        await admin.Locator("#Form_DisplayName").FillAsync("Globex");
        await admin.Locator("#create-tenant").ClickAsync();
        await admin.GotoAsync("/t/globex/members");
        await Expect(admin.Locator("#invite-help")).ToContainTextAsync("An invitation is mailed to them");

        await admin.Locator("#Form_Email").FillAsync(Invitee);
        await admin.Locator("#Form_Role").SelectOptionAsync("Developer");
        await admin.Locator("#invite-member").ClickAsync();
        await Expect(admin.Locator("#invitation-mail")).ToContainTextAsync($"Invitation mailed to {Invitee}.");
        await admin.SaveScreenshotAsync("invitation-mailed");

        var (recipients, mail) = Assert.Single(smtp.Messages);
        Assert.Equal([Invitee], recipients);
        var link = Regex.Match(mail.TextBody ?? "", @"https?://\S+/invitations/[0-9a-f]+").Value;
        Assert.Equal(await admin.Locator("#invitation-link").InputValueAsync(), link);
        var invitee = await portal.NewSignedOutPageAsync();
        await invitee.GotoAsync(link);
        await Expect(invitee.GetByRole(Microsoft.Playwright.AriaRole.Heading, new() { Level = 1 }))
            .ToHaveTextAsync("Join Globex");
    }
}
