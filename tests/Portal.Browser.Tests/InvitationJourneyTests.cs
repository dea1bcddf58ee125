using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// A platform admin creates a tenant and invites its first tenant admin, who joins through the invitation link
/// and finds the whole story in the tenant's audit trail.
/// </summary>
public sealed class InvitationJourneyTests(PortalFixture portal, ITestOutputHelper output)
    : IClassFixture<PortalFixture>
{
    private const string MemberEmail = "dev@acme.test";
    private const string MemberPassword = "Dev-Passw0rd-1";

    [SkippableFact]
    public async Task An_invited_tenant_admin_joins_and_sees_the_tenant_audit_trail()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");

        // The platform admin signs in; with nothing set up yet, the start page is the setup checklist.
        var admin = await portal.NewSignedOutPageAsync();
        await admin.GotoAsync("/account/login");
        await admin.SaveScreenshotAsync("01-login");
        await admin.SignInAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        await Expect(admin).ToHaveURLAsync(Url("/"));
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Get started");
        await admin.SaveScreenshotAsync("02-administration");

        // They create the tenant Acme Corp.
        await admin.GotoAsync("/admin/tenants");
        await admin.SaveScreenshotAsync("03-tenants");
        await admin.Locator("#Form_Slug").FillAsync("acme");
        await admin.Locator("#Form_DisplayName").FillAsync("Acme Corp");
        await admin.Locator("#create-tenant").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url("/admin/tenants/acme"));
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Acme Corp");
        await Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("Tenant 'acme' was created.");
        await admin.SaveScreenshotAsync("04-tenant-created");

        // They invite dev@acme.test as the tenant's admin, and copy the link that is shown once.
        await admin.Locator("#open-members").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url("/t/acme/members"));
        await admin.SaveScreenshotAsync("05-members");
        await admin.Locator("#Form_Email").FillAsync(MemberEmail);
        await admin.Locator("#Form_Role").SelectOptionAsync("TenantAdmin");
        await admin.Locator("#invite-member").ClickAsync();
        var linkField = admin.Locator("#invitation-link");
        await Expect(linkField).ToHaveValueAsync(new Regex("^" + Regex.Escape(Url("/invitations/")) + ".+"));
        await Expect(admin.Locator("#invitations")).ToContainTextAsync(MemberEmail);
        var invitationLink = await linkField.InputValueAsync();
        await admin.SaveScreenshotAsync("06-invitation-link");

        // The new member, signed out in their own browser, opens the link and creates their account.
        var member = await portal.NewSignedOutPageAsync();
        await member.GotoAsync(invitationLink);
        await Expect(member.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Join Acme Corp");
        await Expect(member.Locator("main"))
            .ToContainTextAsync($"This invitation is for {MemberEmail}, as TenantAdmin");
        await member.SaveScreenshotAsync("07-invitation");
        await member.Locator("#Form_DisplayName").FillAsync("Dana Developer");
        await member.Locator("#Form_Password").FillAsync(MemberPassword);
        await member.Locator("#Form_ConfirmPassword").FillAsync(MemberPassword);
        await member.Locator("#accept-invitation").ClickAsync();

        // They are signed in, on the tenant's dashboard.
        await Expect(member).ToHaveURLAsync(Url("/t/acme"));
        await Expect(member.GetByRole(AriaRole.Status)).ToContainTextAsync("Welcome to Acme Corp.");
        await Expect(member.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Acme Corp");
        await Expect(member.Locator("main")).ToContainTextAsync("Your role: TenantAdmin");
        await member.SaveScreenshotAsync("08-tenant-dashboard");

        // The tenant's audit trail tells who did what.
        await member.GotoAsync("/t/acme/audit");
        await Expect(member.Locator("#audit")).ToBeVisibleAsync();
        await ExpectAuditEventAsync(member, "tenant.created", PortalServer.AdminEmail);
        await ExpectAuditEventAsync(member, "member.invited", PortalServer.AdminEmail);
        await ExpectAuditEventAsync(member, "invitation.accepted", MemberEmail);
        await member.SaveScreenshotAsync("09-audit");

        // The dashboard on a phone.
        await member.SetViewportSizeAsync(390, 844);
        await member.GotoAsync("/t/acme");
        await Expect(member.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Acme Corp");
        await member.SaveScreenshotAsync("10-tenant-dashboard-phone");
    }

    private string Url(string path) => new Uri(portal.BaseAddress, path).ToString();

    private static async Task ExpectAuditEventAsync(IPage page, string action, string actor)
    {
        var row = page.AuditRow(action);
        await Expect(row).ToHaveCountAsync(1);
        await Expect(await page.AuditCellAsync(row, "Actor")).ToHaveTextAsync(actor);
        await Expect(await page.AuditCellAsync(row, "Outcome")).ToContainTextAsync("Succeeded");
    }
}
