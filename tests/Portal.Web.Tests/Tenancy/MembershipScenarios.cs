using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Tenancy;

/// <summary>A tenant admin's member pages and the invitee's side, on each database provider.</summary>
public abstract partial class MembershipScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    [SkippableFact]
    public async Task A_tenant_admin_adds_an_existing_user_with_a_role()
    {
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var user = await Arrange.UserAsync();

        var response = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/members",
            new()
            {
                ["Form.Email"] = user.Email.ToUpperInvariant(),
                ["Form.Role"] = "Viewer",
                ["intent"] = "add",
            }
        );

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var role = await Arrange.QueryAsync(db =>
            db.Memberships.IgnoreQueryFilters()
                .Where(m => m.TenantId == tenant.Id && m.UserId == user.Id)
                .Select(m => m.Role)
                .SingleAsync()
        );
        Assert.Equal(TenantRole.Viewer, role);
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.CountAsync(a => a.TenantId == tenant.Id && a.Action == "member.added")
            )
        );
    }

    [SkippableTheory]
    [InlineData("nobody-here@portal.test", "Viewer", "No account uses nobody-here@portal.test")]
    [InlineData("not-an-email", "Viewer", "is not an email address")]
    [InlineData("someone@portal.test", "Owner", "is not a role")]
    public async Task Bad_member_input_is_refused_and_writes_nothing(string email, string role, string message)
    {
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));

        var response = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/members",
            new()
            {
                ["Form.Email"] = email,
                ["Form.Role"] = role,
                ["intent"] = "add",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db => db.Memberships.IgnoreQueryFilters().CountAsync(m => m.TenantId == tenant.Id))
        );
    }

    [SkippableFact]
    public async Task An_invited_person_chooses_a_password_and_joins_with_the_invited_role()
    {
        var tenant = await Arrange.TenantAsync();
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
        var page = await (await admin.GetAsync($"/t/{tenant.Slug}/members")).Content.ReadAsStringAsync();
        var link = InvitationLink().Match(page).Groups[1].Value;
        var invitee = new BrowserSession(portal.Factory);
        var joined = await invitee.PostFormAsync(
            link,
            new()
            {
                ["Form.DisplayName"] = "New Person",
                ["Form.Password"] = Arrange.Password,
                ["Form.ConfirmPassword"] = Arrange.Password,
            },
            link
        );

        Assert.Equal(HttpStatusCode.Redirect, invited.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, joined.StatusCode);
        Assert.Equal($"/t/{tenant.Slug}", joined.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, (await invitee.GetAsync($"/t/{tenant.Slug}")).StatusCode);
        var again = await new BrowserSession(portal.Factory).GetAsync(link);
        Assert.Contains("already been used", await again.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task The_last_tenant_admin_cannot_be_removed()
    {
        var tenant = await Arrange.TenantAsync();
        var adminUser = await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin);
        var admin = await Arrange.SignedInAsync(adminUser);

        await admin.PostFormAsync($"/t/{tenant.Slug}/members/{adminUser.Id}/remove", new());

        Assert.Equal(
            1,
            await Arrange.QueryAsync(db => db.Memberships.IgnoreQueryFilters().CountAsync(m => m.TenantId == tenant.Id))
        );
        var page = await (await admin.GetAsync($"/t/{tenant.Slug}/members")).Content.ReadAsStringAsync();
        Assert.Contains("last tenant admin", page);
    }

    [SkippableFact]
    public async Task A_removed_member_with_a_stale_session_is_told_they_are_no_longer_a_member()
    {
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var developer = await Arrange.MemberAsync(tenant, TenantRole.Developer);
        var developerSession = await Arrange.SignedInAsync(developer);
        Assert.Equal(HttpStatusCode.OK, (await developerSession.GetAsync($"/t/{tenant.Slug}")).StatusCode);

        await admin.PostFormAsync($"/t/{tenant.Slug}/members/{developer.Id}/remove", new());
        var stale = await developerSession.GetAsync($"/t/{tenant.Slug}/members");

        Assert.Equal(HttpStatusCode.Forbidden, stale.StatusCode);
        Assert.Contains("you are not a member of it (any more)", await stale.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_role_change_is_audited_with_before_and_after()
    {
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var viewer = await Arrange.MemberAsync(tenant, TenantRole.Viewer);

        await admin.PostFormAsync($"/t/{tenant.Slug}/members/{viewer.Id}/role", new() { ["role"] = "Developer" });

        var audit = await Arrange.QueryAsync(db =>
            db.AuditEvents.SingleAsync(a => a.TenantId == tenant.Id && a.Action == "member.role-changed")
        );
        Assert.Equal("role: 'Viewer' → 'Developer'", audit.Summary);
        Assert.Equal(viewer.Email, audit.TargetId);
    }

    [SkippableFact]
    public async Task The_tenant_audit_page_filters_by_action_and_pages_on_the_server()
    {
        var tenant = await Arrange.TenantAsync();
        var adminUser = await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin);
        for (var i = 0; i < 3; i++)
            await Arrange.InvitationAsync(tenant, $"{Arrange.Unique("inv")}@portal.test", TenantRole.Viewer);
        var admin = await Arrange.SignedInAsync(adminUser);

        var page1 = await (
            await admin.GetAsync($"/t/{tenant.Slug}/audit?action=member.invited&pageSize=2")
        ).Content.ReadAsStringAsync();
        var page2 = await (
            await admin.GetAsync($"/t/{tenant.Slug}/audit?action=member.invited&pageSize=2&page=2")
        ).Content.ReadAsStringAsync();

        Assert.Equal(2, Regex.Matches(page1, "<code>member.invited</code>").Count);
        Assert.Single(Regex.Matches(page2, "<code>member.invited</code>"));
        Assert.DoesNotContain("<code>tenant.created</code>", page1);
        Assert.Contains("3 in all", page1);
    }

    [SkippableFact]
    public async Task The_audit_page_counts_a_window_of_pages_ahead_and_says_more_than_beyond_it()
    {
        var tenant = await Arrange.TenantAsync();
        var adminUser = await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin);
        var invited = Infrastructure.Audit.AuditLog.PagesCountedAhead + 1;
        for (var i = 0; i < invited; i++)
            await Arrange.InvitationAsync(tenant, $"{Arrange.Unique("inv")}@portal.test", TenantRole.Viewer);
        var admin = await Arrange.SignedInAsync(adminUser);

        var first = await (
            await admin.GetAsync($"/t/{tenant.Slug}/audit?action=member.invited&pageSize=1")
        ).Content.ReadAsStringAsync();
        var second = await (
            await admin.GetAsync($"/t/{tenant.Slug}/audit?action=member.invited&pageSize=1&page=2")
        ).Content.ReadAsStringAsync();

        Assert.Contains($"More than {invited - 1} in all", first);
        Assert.Contains($"{invited} in all", second);
        Assert.DoesNotContain("More than", second);
    }

    [SkippableFact]
    public async Task A_viewer_sees_members_but_not_the_audit_page()
    {
        var tenant = await Arrange.TenantAsync();
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var members = await viewer.GetAsync($"/t/{tenant.Slug}/members");
        var audit = await viewer.GetAsync($"/t/{tenant.Slug}/audit");

        Assert.Equal(HttpStatusCode.OK, members.StatusCode);
        Assert.DoesNotContain("add-member", await members.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, audit.StatusCode);
        Assert.Contains("this needs TenantAdmin", await audit.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_refused_change_is_audited_as_denied_in_the_tenant()
    {
        var tenant = await Arrange.TenantAsync();
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var response = await viewer.PostFormAsync(
            $"/t/{tenant.Slug}/members",
            new()
            {
                ["Form.Email"] = "someone@portal.test",
                ["Form.Role"] = "TenantAdmin",
                ["intent"] = "invite",
            }
        );

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var denied = await Arrange.QueryAsync(db =>
            db.AuditEvents.SingleAsync(a => a.TenantId == tenant.Id && a.Action == "access.denied")
        );
        Assert.Equal(Domain.Audit.AuditOutcome.Denied, denied.Outcome);
        Assert.Equal($"POST /t/{tenant.Slug}/members", denied.TargetId);
    }

    [GeneratedRegex("id=\"invitation-link\"[^>]*value=\"https?://[^/]+(/invitations/[0-9a-f]+)\"")]
    private static partial Regex InvitationLink();
}

[Trait("Database", "Sqlite")]
public sealed class MembershipOnSqlite(SqlitePortal portal) : MembershipScenarios(portal), IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class MembershipOnPostgres(PostgresPortal portal)
    : MembershipScenarios(portal),
        IClassFixture<PostgresPortal>;
