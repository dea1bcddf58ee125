using System.Data.Common;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Onboarding;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Shell;

/// <summary>
/// The home pages, on each database provider: a platform admin's setup checklist follows what is really there, step by
/// step, read in the same few queries however much there is; a tenant member's home says what comes first in an empty
/// tenant. Each class has a portal of its own, which starts with nothing set up.
/// </summary>
public abstract class HomeScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    private HomeArrange Home => new(portal.Factory);

    [SkippableFact]
    public async Task The_setup_checklist_is_read_in_the_same_few_queries_however_many_tenants_and_applications_there_are()
    {
        // One application running nowhere first: the oldest of them is looked for only while there is one.
        await TenantWithAnApplicationNotDeployedAsync();
        var before = await CountQueriesAsync();
        for (var i = 0; i < 3; i++)
            await TenantWithAnApplicationNotDeployedAsync();
        var after = await CountQueriesAsync();

        Assert.InRange(before, 1, 10);
        Assert.Equal(before, after);
    }

    private async Task TenantWithAnApplicationNotDeployedAsync()
    {
        var tenant = await Arrange.TenantAsync();
        await Arrange.QuotaAsync(tenant);
        var environment = await Arrange.EnvironmentAsync(tenant);
        await Arrange.ApplicationAsync(tenant, environment);
        await Home.ApplicationNotDeployedAsync(tenant);
    }

    [SkippableFact]
    public async Task A_developers_home_in_a_tenant_with_environments_and_no_application_offers_to_deploy_the_first_one()
    {
        var tenant = await Arrange.TenantAsync();
        await Arrange.QuotaAsync(tenant);
        await Arrange.EnvironmentAsync(tenant, "dev");
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var start = await developer.GetAsync("/");
        var home = await (await developer.GetAsync($"/t/{tenant.Slug}")).Content.ReadAsStringAsync();
        var viewersHome = await (await viewer.GetAsync($"/t/{tenant.Slug}")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        Assert.Equal($"/t/{tenant.Slug}", start.Headers.Location?.OriginalString);
        Assert.Contains($"id=\"first-step\" href=\"/t/{tenant.Slug}/apps/new\"", home);
        Assert.Contains("Deploy your first app", home);
        Assert.Contains("data-tile=\"apps\"", home);
        Assert.DoesNotContain("Deploy your first app", viewersHome);
        Assert.Contains("developers deploy them", viewersHome);
    }

    [SkippableFact]
    public async Task A_tenant_without_quota_tells_its_admin_to_ask_for_it_and_a_tenant_with_applications_shows_no_first_steps()
    {
        var empty = await Arrange.TenantAsync();
        var running = await Arrange.TenantAsync();
        await Arrange.ApplicationAsync(running, await Arrange.EnvironmentAsync(running));
        var emptyAdmin = await Arrange.SignedInAsync(await Arrange.MemberAsync(empty, TenantRole.TenantAdmin));
        var runningAdmin = await Arrange.SignedInAsync(await Arrange.MemberAsync(running, TenantRole.TenantAdmin));

        var emptyHome = await (await emptyAdmin.GetAsync($"/t/{empty.Slug}")).Content.ReadAsStringAsync();
        var runningHome = await (await runningAdmin.GetAsync($"/t/{running.Slug}")).Content.ReadAsStringAsync();

        Assert.Contains("Ask a platform admin to grant this tenant quota.", emptyHome);
        Assert.DoesNotContain("id=\"first-steps\"", runningHome);
        Assert.Contains("data-tile=\"apps\"", runningHome);
    }

    /// <summary>How many commands reading the setup sends to the database.</summary>
    private async Task<int> CountQueriesAsync()
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var counter = new CommandCounter();
        await using var db = new PortalDbContext(
            new DbContextOptionsBuilder<PortalDbContext>(
                scope.ServiceProvider.GetRequiredService<DbContextOptions<PortalDbContext>>()
            )
                .AddInterceptors(counter)
                .Options,
            scope.ServiceProvider.GetRequiredService<TenantScope>()
        );
        await new PlatformSetup(db).ReadAsync(default);
        return counter.Commands;
    }

    private sealed class CommandCounter : DbCommandInterceptor
    {
        public int Commands { get; private set; }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command,
            CommandEventData eventData,
            InterceptionResult<DbDataReader> result,
            CancellationToken cancellationToken = default
        )
        {
            Commands++;
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(
            DbCommand command,
            CommandEventData eventData,
            InterceptionResult<object> result,
            CancellationToken cancellationToken = default
        )
        {
            Commands++;
            return base.ScalarExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}

public sealed class HomeOnSqlite(SqlitePortal portal) : HomeScenarios(portal), IClassFixture<SqlitePortal>;

public sealed class HomeOnPostgres(PostgresPortal portal) : HomeScenarios(portal), IClassFixture<PostgresPortal>;

/// <summary>
/// The platform admin's setup checklist, on each database provider, in a portal of its own that starts with nothing set
/// up: it follows what is really there, step by step.
/// </summary>
public abstract class SetupChecklistScenarios(PortalFixture portal)
{
    private Arrange Arrange => new(portal.Factory);

    private HomeArrange Home => new(portal.Factory);

    [SkippableFact]
    public async Task The_platform_admins_home_offers_the_next_setup_step_as_each_one_is_done()
    {
        var admin = await Arrange.AdminAsync();

        var empty = await HomeArrange.HomeAsync(admin);
        Assert.Equal("next todo todo todo todo todo", HomeArrange.States(empty));
        Assert.Equal("/admin/clusters", HomeArrange.NextHref(empty));
        Assert.Contains("0 of 6 done", empty);
        Assert.Contains("data-complete=\"false\"", empty);

        var cluster = await Arrange.ClusterWithHostsAsync();
        var clustered = await HomeArrange.HomeAsync(admin);
        Assert.Equal("done next todo todo todo todo", HomeArrange.States(clustered));
        Assert.Equal("/admin/pools", HomeArrange.NextHref(clustered));

        var pool = await Home.PoolAsync(cluster);
        var pooled = await HomeArrange.HomeAsync(admin);
        Assert.Equal("done done next todo todo todo", HomeArrange.States(pooled));
        Assert.Equal("/admin/tenants", HomeArrange.NextHref(pooled));

        var tenant = await Arrange.TenantAsync();
        var tenanted = await HomeArrange.HomeAsync(admin);
        Assert.Equal("done done done next todo todo", HomeArrange.States(tenanted));
        Assert.Equal($"/admin/pools/{pool}", HomeArrange.NextHref(tenanted));
        Assert.Contains($"Grant quota in {pool}", tenanted);

        await Home.GrantAsync(tenant, pool);
        var granted = await HomeArrange.HomeAsync(admin);
        Assert.Equal("done done done done next todo", HomeArrange.States(granted));
        Assert.Equal($"/t/{tenant.Slug}/environments", HomeArrange.NextHref(granted));

        var environment = await Arrange.EnvironmentAsync(tenant, "dev");
        var provisioned = await HomeArrange.HomeAsync(admin);
        Assert.Equal("done done done done done next", HomeArrange.States(provisioned));
        Assert.Equal($"/t/{tenant.Slug}/apps/new", HomeArrange.NextHref(provisioned));

        var waiting = await Home.ApplicationNotDeployedAsync(tenant);
        var created = await HomeArrange.HomeAsync(admin);
        Assert.Equal("done done done done done next", HomeArrange.States(created));
        Assert.Equal($"/t/{tenant.Slug}/apps/{waiting}", HomeArrange.NextHref(created));
        Assert.Contains($"{waiting} in {tenant.Slug} is not running yet", created);

        await Arrange.ApplicationAsync(tenant, environment);
        var complete = await HomeArrange.HomeAsync(admin);
        Assert.Equal("done done done done done done", HomeArrange.States(complete));
        Assert.Null(HomeArrange.NextHref(complete));
        Assert.Contains("data-complete=\"true\"", complete);
        Assert.Contains("1 application running.", complete);
    }
}

public sealed class SetupChecklistOnSqlite(SqlitePortal portal)
    : SetupChecklistScenarios(portal),
        IClassFixture<SqlitePortal>;

public sealed class SetupChecklistOnPostgres(PostgresPortal portal)
    : SetupChecklistScenarios(portal),
        IClassFixture<PostgresPortal>;

/// <summary>
/// What the home scenarios read from the home page, and the few things they arrange beyond <see cref="Arrange"/>.
/// </summary>
public sealed partial class HomeArrange(PortalFactory factory)
{
    private const string Steps = "cluster pool tenant quota environment application";

    private Arrange Arrange => new(factory);

    public static async Task<string> HomeAsync(BrowserSession admin)
    {
        var response = await admin.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The state of each step, in the order of <see cref="Steps"/>, e.g. "done next todo …".</summary>
    public static string States(string html)
    {
        var states = StepPattern()
            .Matches(html)
            .ToDictionary(m => m.Groups["step"].Value, m => m.Groups["state"].Value);
        return string.Join(
            ' ',
            Steps.Split(' ').Select(step => states.TryGetValue(step, out var state) ? state : "missing")
        );
    }

    public static string? NextHref(string html) =>
        NextPattern().Match(html) is { Success: true } match ? WebUtility.HtmlDecode(match.Groups["href"].Value) : null;

    public async Task<string> PoolAsync(string clusterName)
    {
        var name = Arrange.Unique("pool");
        await Arrange.QueryAsync(async db =>
        {
            var cluster = await db.Clusters.SingleAsync(c => c.Name == clusterName);
            db.ResourcePools.Add(
                Portal
                    .Domain.Quotas.ResourcePool.Create(name, null, cluster.Id, null, "bj", 1m, 1m, DateTime.UtcNow)
                    .Value
            );
            return await db.SaveChangesAsync();
        });
        return name;
    }

    public Task GrantAsync(Tenant tenant, string poolName) =>
        Arrange.QueryAsync(async db =>
        {
            var pool = await db.ResourcePools.SingleAsync(p => p.Name == poolName);
            db.TenantQuotas.Add(
                new Portal.Domain.Quotas.TenantQuota(
                    tenant.Id,
                    pool.Id,
                    new Portal.Domain.Quotas.ResourceAmounts(4000, 4000, 4L << 30, 4L << 30, 10L << 30, 20, 0),
                    "test-setup",
                    DateTime.UtcNow
                )
            );
            return await db.SaveChangesAsync();
        });

    /// <summary>An application of the tenant that was created but never deployed.</summary>
    public async Task<string> ApplicationNotDeployedAsync(Tenant tenant)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var vault = scope.ServiceProvider.GetRequiredService<Portal.Infrastructure.Applications.SpecVault>();
        var spec = new Portal.Domain.Applications.DeploymentSpec
        {
            Image = "nginx:1.27",
            Resources = new(100, 200, 64L << 20, 128L << 20),
        };
        var app = Portal
            .Domain.Applications.Application.Create(
                tenant,
                Arrange.Unique("waiting"),
                null,
                "test-setup",
                spec,
                vault.Seal,
                DateTime.UtcNow
            )
            .Value;
        db.Applications.Add(app);
        await db.SaveChangesAsync();
        return app.Name;
    }

    [GeneratedRegex(@"data-step=""(?<step>\w+)""\s+data-state=""(?<state>\w+)""")]
    private static partial Regex StepPattern();

    [GeneratedRegex(@"id=""next-step"" href=""(?<href>[^""]+)""")]
    private static partial Regex NextPattern();
}
