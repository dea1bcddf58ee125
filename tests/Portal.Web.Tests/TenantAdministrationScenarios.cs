using System.Net;
using Microsoft.EntityFrameworkCore;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests;

/// <summary>The platform admin's tenant pages, on each database provider.</summary>
public abstract class TenantAdministrationScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    [SkippableFact]
    public async Task A_platform_admin_creates_a_tenant_and_the_creation_is_audited()
    {
        var admin = await Arrange.AdminAsync();
        var slug = Arrange.Unique("acme");

        var response = await admin.PostFormAsync("/admin/tenants", new() { ["Form.Slug"] = slug, ["Form.DisplayName"] = "Acme Corp" });

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/admin/tenants/{slug}", response.Headers.Location?.OriginalString);
        var audit = await Arrange.QueryAsync(db => db.AuditEvents.SingleAsync(a => a.Action == "tenant.created" && a.TargetId == slug));
        Assert.Equal(PortalFactory.AdminEmail, audit.ActorName);
        Assert.Equal(Domain.Audit.AuditOutcome.Succeeded, audit.Outcome);
    }

    [SkippableTheory]
    [InlineData("Bad_Slug", "Team A", "lowercase letters")]
    [InlineData("x", "Team A", "2 to 30 characters")]
    [InlineData("fine-slug", "", "A name is required")]
    public async Task Bad_tenant_input_is_refused_next_to_the_field_and_writes_nothing(string slug, string name, string message)
    {
        var admin = await Arrange.AdminAsync();
        var before = await Arrange.QueryAsync(db => db.Tenants.CountAsync());
        var auditBefore = await Arrange.QueryAsync(db => db.AuditEvents.CountAsync());

        var response = await admin.PostFormAsync("/admin/tenants", new() { ["Form.Slug"] = slug, ["Form.DisplayName"] = name });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await Arrange.QueryAsync(db => db.Tenants.CountAsync()));
        Assert.Equal(auditBefore, await Arrange.QueryAsync(db => db.AuditEvents.CountAsync()));
    }

    [SkippableFact]
    public async Task An_overlong_display_name_is_refused()
    {
        var admin = await Arrange.AdminAsync();

        var response = await admin.PostFormAsync("/admin/tenants", new() { ["Form.Slug"] = Arrange.Unique("long"), ["Form.DisplayName"] = new string('n', 101) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 100 characters", await response.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_duplicate_slug_is_refused_with_a_clear_message()
    {
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();

        var response = await admin.PostFormAsync("/admin/tenants", new() { ["Form.Slug"] = tenant.Slug, ["Form.DisplayName"] = "Copycat" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"The slug &#x27;{tenant.Slug}&#x27; is taken", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, await Arrange.QueryAsync(db => db.Tenants.CountAsync(t => t.Slug == tenant.Slug)));
    }

    [SkippableFact]
    public async Task Renaming_records_the_before_and_after_in_the_audit_trail()
    {
        var tenant = await Arrange.TenantAsync(displayName: "Old name");
        var admin = await Arrange.AdminAsync();

        await admin.PostFormAsync($"/admin/tenants/{tenant.Slug}/rename", new() { ["displayName"] = "New name" });

        var audit = await Arrange.QueryAsync(db => db.AuditEvents.SingleAsync(a => a.Action == "tenant.renamed" && a.TargetId == tenant.Slug));
        Assert.Equal("display name: 'Old name' → 'New name'", audit.Summary);
        Assert.Equal(tenant.Id, audit.TenantId);
    }

    [SkippableFact]
    public async Task A_suspended_tenant_can_be_read_but_not_changed_by_its_admin()
    {
        var tenant = await Arrange.TenantAsync();
        var tenantAdmin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, Domain.Tenancy.TenantRole.TenantAdmin));
        var admin = await Arrange.AdminAsync();
        await admin.PostFormAsync($"/admin/tenants/{tenant.Slug}/suspend", new());

        var read = await tenantAdmin.GetAsync($"/t/{tenant.Slug}/members");
        var change = await tenantAdmin.PostFormAsync($"/t/{tenant.Slug}/members",
            new() { ["Form.Email"] = "someone@portal.test", ["Form.Role"] = "Viewer", ["intent"] = "invite" });

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains("suspended", await read.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, change.StatusCode);
        Assert.Contains("is suspended: it can be read but not changed", await change.Content.ReadAsStringAsync());
        Assert.Equal(0, await Arrange.QueryAsync(db => db.Invitations.IgnoreQueryFilters().CountAsync(i => i.TenantId == tenant.Id)));
    }

    [SkippableFact]
    public async Task Deleting_a_tenant_needs_its_slug_typed_and_keeps_the_audit_trail()
    {
        var tenant = await Arrange.TenantAsync();
        await Arrange.MemberAsync(tenant, Domain.Tenancy.TenantRole.Developer);
        var admin = await Arrange.AdminAsync();

        var refused = await admin.PostFormAsync($"/admin/tenants/{tenant.Slug}/delete", new() { ["confirmSlug"] = "wrong" });
        var deleted = await admin.PostFormAsync($"/admin/tenants/{tenant.Slug}/delete", new() { ["confirmSlug"] = tenant.Slug });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, deleted.StatusCode);
        Assert.Equal(0, await Arrange.QueryAsync(db => db.Tenants.CountAsync(t => t.Id == tenant.Id)));
        Assert.Equal(0, await Arrange.QueryAsync(db => db.Memberships.IgnoreQueryFilters().CountAsync(m => m.TenantId == tenant.Id)));
        Assert.True(await Arrange.QueryAsync(db => db.AuditEvents.AnyAsync(a => a.TenantId == tenant.Id && a.Action == "tenant.deleted")));
    }

    [SkippableFact]
    public async Task The_provider_migrations_match_the_model() =>
        Assert.False(await Arrange.QueryAsync(db => Task.FromResult(db.Database.HasPendingModelChanges())),
            "The model changed without a migration for this provider: run dotnet-ef migrations add (see README).");

    [SkippableFact]
    public async Task A_tenant_member_cannot_reach_the_administration_pages()
    {
        var tenant = await Arrange.TenantAsync();
        var member = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, Domain.Tenancy.TenantRole.TenantAdmin));

        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/admin/tenants")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/admin/audit")).StatusCode);
    }
}

[Trait("Database", "Sqlite")]
public sealed class TenantAdministrationOnSqlite(SqlitePortal portal) : TenantAdministrationScenarios(portal), IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class TenantAdministrationOnPostgres(PostgresPortal portal) : TenantAdministrationScenarios(portal), IClassFixture<PostgresPortal>;
