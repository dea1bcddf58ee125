using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Tenancy;

/// <summary>The platform admin's tenant pages, on each database provider.</summary>
public abstract class TenantAdministrationScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    [SkippableFact]
    public async Task A_platform_admin_creates_a_tenant_and_the_creation_is_audited()
    {
        var admin = await Arrange.AdminAsync();
        var slug = Arrange.Unique("acme");

        var response = await admin.PostFormAsync(
            "/admin/tenants",
            new() { ["Form.Slug"] = slug, ["Form.DisplayName"] = "Acme Corp" }
        );

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/admin/tenants/{slug}", response.Headers.Location?.OriginalString);
        var audit = await Arrange.QueryAsync(db =>
            db.AuditEvents.SingleAsync(a => a.Action == "tenant.created" && a.TargetId == slug)
        );
        Assert.Equal(PortalFactory.AdminEmail, audit.ActorName);
        Assert.Equal(Domain.Audit.AuditOutcome.Succeeded, audit.Outcome);
    }

    [SkippableTheory]
    [InlineData("Bad_Slug", "Team A", "lowercase letters")]
    [InlineData("x", "Team A", "2 to 30 characters")]
    [InlineData("fine-slug", "", "A name is required")]
    public async Task Bad_tenant_input_is_refused_next_to_the_field_and_writes_nothing(
        string slug,
        string name,
        string message
    )
    {
        var admin = await Arrange.AdminAsync();
        var before = await Arrange.QueryAsync(db => db.Tenants.CountAsync());
        var auditBefore = await Arrange.QueryAsync(db => db.AuditEvents.CountAsync());

        var response = await admin.PostFormAsync(
            "/admin/tenants",
            new() { ["Form.Slug"] = slug, ["Form.DisplayName"] = name }
        );

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(message, await response.Content.ReadAsStringAsync());
        Assert.Equal(before, await Arrange.QueryAsync(db => db.Tenants.CountAsync()));
        Assert.Equal(auditBefore, await Arrange.QueryAsync(db => db.AuditEvents.CountAsync()));
    }

    [SkippableFact]
    public async Task An_overlong_display_name_is_refused()
    {
        var admin = await Arrange.AdminAsync();

        var response = await admin.PostFormAsync(
            "/admin/tenants",
            new() { ["Form.Slug"] = Arrange.Unique("long"), ["Form.DisplayName"] = new string('n', 101) }
        );

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 100 characters", await response.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_duplicate_slug_is_refused_with_a_clear_message()
    {
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.AdminAsync();

        var response = await admin.PostFormAsync(
            "/admin/tenants",
            new() { ["Form.Slug"] = tenant.Slug, ["Form.DisplayName"] = "Copycat" }
        );

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

        var audit = await Arrange.QueryAsync(db =>
            db.AuditEvents.SingleAsync(a => a.Action == "tenant.renamed" && a.TargetId == tenant.Slug)
        );
        Assert.Equal("display name: 'Old name' → 'New name'", audit.Summary);
        Assert.Equal(tenant.Id, audit.TenantId);
    }

    [SkippableFact]
    public async Task A_suspended_tenant_can_be_read_but_not_changed_by_its_admin()
    {
        var tenant = await Arrange.TenantAsync();
        var tenantAdmin = await Arrange.SignedInAsync(
            await Arrange.MemberAsync(tenant, Domain.Tenancy.TenantRole.TenantAdmin)
        );
        var admin = await Arrange.AdminAsync();
        await admin.PostFormAsync($"/admin/tenants/{tenant.Slug}/suspend", new());

        var read = await tenantAdmin.GetAsync($"/t/{tenant.Slug}/members");
        var change = await tenantAdmin.PostFormAsync(
            $"/t/{tenant.Slug}/members",
            new()
            {
                ["Form.Email"] = "someone@portal.test",
                ["Form.Role"] = "Viewer",
                ["intent"] = "invite",
            }
        );

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains("suspended", await read.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, change.StatusCode);
        Assert.Contains("is suspended: it can be read but not changed", await change.Content.ReadAsStringAsync());
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db => db.Invitations.IgnoreQueryFilters().CountAsync(i => i.TenantId == tenant.Id))
        );
    }

    [SkippableFact]
    public async Task Deleting_a_tenant_needs_its_slug_typed_runs_as_an_operation_and_keeps_the_audit_trail()
    {
        var tenant = await Arrange.TenantAsync();
        await Arrange.MemberAsync(tenant, Domain.Tenancy.TenantRole.Developer);
        var admin = await Arrange.AdminAsync();

        var refused = await admin.PostFormAsync(
            $"/admin/tenants/{tenant.Slug}/delete",
            new() { ["confirmSlug"] = "wrong" }
        );
        var started = await admin.PostFormAsync(
            $"/admin/tenants/{tenant.Slug}/delete",
            new() { ["confirmSlug"] = tenant.Slug }
        );
        var operation = await Arrange.QueryAsync(db =>
            db.Operations.IgnoreQueryFilters().SingleAsync(o => o.TenantId == tenant.Id)
        );
        var page = await (await admin.GetAsync($"/admin/tenants/{tenant.Slug}")).Content.ReadAsStringAsync();
        await RunDeletionAsync(operation.Id);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Type &#x27;" + tenant.Slug + "&#x27; to confirm", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        Assert.Equal("tenant.delete", operation.Kind);
        Assert.Contains("id=\"deletion-state\"", page);
        Assert.Equal(0, await Arrange.QueryAsync(db => db.Tenants.CountAsync(t => t.Id == tenant.Id)));
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db => db.Memberships.IgnoreQueryFilters().CountAsync(m => m.TenantId == tenant.Id))
        );
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.AuditEvents.AnyAsync(a => a.TenantId == tenant.Id && a.Action == "tenant.deletion-started")
            )
        );
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.AuditEvents.AnyAsync(a => a.TenantId == tenant.Id && a.Action == "tenant.deleted")
            )
        );
    }

    /// <summary>
    /// Between the request and the end of the job, the tenant keeps its rows: nobody may change it, and nobody may
    /// create a tenant of the same slug, which would otherwise be handed namespaces still being deleted.
    /// </summary>
    [SkippableFact]
    public async Task A_tenant_being_deleted_is_read_only_and_its_slug_cannot_be_taken()
    {
        var tenant = await Arrange.TenantAsync();
        var tenantAdmin = await Arrange.SignedInAsync(
            await Arrange.MemberAsync(tenant, Domain.Tenancy.TenantRole.TenantAdmin)
        );
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);

        var unconfirmed = await api.DeleteAsync($"/api/v1/tenants/{tenant.Slug}");
        var accepted = await api.DeleteAsync($"/api/v1/tenants/{tenant.Slug}?confirm={tenant.Slug}");
        var change = await tenantAdmin.PostFormAsync(
            $"/t/{tenant.Slug}/members",
            new()
            {
                ["Form.Email"] = "someone@portal.test",
                ["Form.Role"] = "Viewer",
                ["intent"] = "invite",
            }
        );
        var taken = await admin.PostFormAsync(
            "/admin/tenants",
            new() { ["Form.Slug"] = tenant.Slug, ["Form.DisplayName"] = "Too early" }
        );
        var resumed = await admin.PostFormAsync($"/admin/tenants/{tenant.Slug}/resume", new());

        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, change.StatusCode);
        Assert.Contains("is being deleted: it can be read but not changed", await change.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
        Assert.Contains($"The slug &#x27;{tenant.Slug}&#x27; is taken", await taken.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, resumed.StatusCode);
        Assert.Equal(
            Domain.Tenancy.TenantStatus.Deleting,
            await Arrange.QueryAsync(db => db.Tenants.Where(t => t.Id == tenant.Id).Select(t => t.Status).SingleAsync())
        );
        Assert.Equal(1, await Arrange.QueryAsync(db => db.Tenants.CountAsync(t => t.Slug == tenant.Slug)));
    }

    private async Task RunDeletionAsync(Guid operationId)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        await scope
            .ServiceProvider.GetRequiredService<Infrastructure.Operations.OperationJob>()
            .RunAsync(operationId, default);
    }

    [SkippableFact]
    public async Task The_provider_migrations_match_the_model() =>
        Assert.False(
            await Arrange.QueryAsync(db => Task.FromResult(db.Database.HasPendingModelChanges())),
            "The model changed without a migration for this provider: run dotnet-ef migrations add (see README)."
        );

    [SkippableFact]
    public async Task A_tenant_member_cannot_reach_the_administration_pages()
    {
        var tenant = await Arrange.TenantAsync();
        var member = await Arrange.SignedInAsync(
            await Arrange.MemberAsync(tenant, Domain.Tenancy.TenantRole.TenantAdmin)
        );

        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/admin/tenants")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await member.GetAsync("/admin/audit")).StatusCode);
    }
}

[Trait("Database", "Sqlite")]
public sealed class TenantAdministrationOnSqlite(SqlitePortal portal)
    : TenantAdministrationScenarios(portal),
        IClassFixture<SqlitePortal>;

[Trait("Database", "Postgres")]
public sealed class TenantAdministrationOnPostgres(PostgresPortal portal)
    : TenantAdministrationScenarios(portal),
        IClassFixture<PostgresPortal>;
