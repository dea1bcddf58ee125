using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>
/// Ingress hosts in the embedded sandbox cluster: a host belongs to one tenant, the portal's own names to none, a pool
/// says under which domains its environments publish and whether wildcards, and a path holds only plain characters.
/// </summary>
public abstract class IngressHostScenarios(PortalFixture portal)
{
    private const string PortalHost = "portal.example.com";

    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    private static string UniqueHost(string under = "example.com") => $"{Arrange.Unique("shop")}.{under}";

    private static object Spec(string host, string path = "/") =>
        new
        {
            image = "nginx:1.27",
            ports = new[]
            {
                new
                {
                    name = "http",
                    port = 8080,
                    protocol = "Tcp",
                },
            },
            resources = new
            {
                cpuRequestMillis = 50,
                cpuLimitMillis = 100,
                memoryRequestBytes = 32L << 20,
                memoryLimitBytes = 64L << 20,
            },
            replicas = 1,
            exposure = new
            {
                servicePort = 80,
                targetPort = 8080,
                ingressHost = host,
                ingressPath = path,
            },
        };

    /// <summary>A tenant with ready environments in the pool, and a developer's API client.</summary>
    private async Task<(Tenant Tenant, HttpClient Api)> TenantAsync(string pool, params string[] environments)
    {
        var (tenant, admin, _) = await World.TenantInPoolAsync(pool, cpu: "2", memory: "2Gi");
        foreach (var environment in environments.Length == 0 ? ["dev"] : environments)
            await World.ReadyEnvironmentAsync(tenant, admin, pool, environment, cpu: "1", memory: "1Gi");
        return (tenant, await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer)));
    }

    private static async Task<HttpResponseMessage> CreateAsync(
        HttpClient api,
        Tenant tenant,
        string app,
        object spec
    ) =>
        await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps",
            new
            {
                name = app,
                description = "published",
                owner = "team",
                spec,
            }
        );

    private static async Task CreatedAsync(HttpClient api, Tenant tenant, string app, object spec)
    {
        var created = await CreateAsync(api, tenant, app, spec);
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    private static Task<HttpResponseMessage> DeployAsync(
        HttpClient api,
        Tenant tenant,
        string app,
        string environment = "dev"
    ) => api.PostAsJsonAsync($"/api/v1/tenants/{tenant.Slug}/apps/{app}/environments/{environment}/deploy", new { });

    private static async Task AcceptedAsync(HttpResponseMessage answer) =>
        Assert.True(answer.StatusCode == HttpStatusCode.Accepted, await answer.Content.ReadAsStringAsync());

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage answer, HttpStatusCode status, string field)
    {
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == status, $"{(int)answer.StatusCode}: {body}");
        Assert.Equal("application/problem+json", answer.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), body);
        return problem;
    }

    /// <summary>Nothing of the application reached the database: no revision, no deployment, no operation.</summary>
    private async Task AssertNothingDeployedAsync(Tenant tenant)
    {
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db => db.Revisions.IgnoreQueryFilters().CountAsync(r => r.TenantId == tenant.Id))
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.AppDeployments.IgnoreQueryFilters().CountAsync(d => d.TenantId == tenant.Id)
            )
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.Operations.IgnoreQueryFilters()
                    .CountAsync(o => o.TenantId == tenant.Id && o.Kind == "application.deploy")
            )
        );
    }

    private async Task<Operation> FinishedAsync(HttpResponseMessage accepted)
    {
        await AcceptedAsync(accepted);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("operation").GetGuid();
        Operation? operation = null;
        await SandboxWorld.EventuallyAsync(
            async () =>
            {
                operation = await Arrange.QueryAsync(db =>
                    db.Operations.IgnoreQueryFilters().AsNoTracking().SingleAsync(o => o.Id == id)
                );
                return operation.IsFinished;
            },
            "the operation to finish",
            40
        );
        return operation!;
    }

    [SkippableFact]
    public async Task A_tenant_cannot_publish_a_host_another_tenant_holds()
    {
        var pool = await World.PoolAsync();
        var (holder, holderApi) = await TenantAsync(pool);
        var (intruder, intruderApi) = await TenantAsync(pool);
        var host = UniqueHost();
        await CreatedAsync(holderApi, holder, "web", Spec(host));
        await AcceptedAsync(await DeployAsync(holderApi, holder, "web"));
        await CreatedAsync(intruderApi, intruder, "web", Spec(host));
        await CreatedAsync(intruderApi, intruder, "admin", Spec(host, "/admin"));

        var samePath = await DeployAsync(intruderApi, intruder, "web");
        var otherPath = await DeployAsync(intruderApi, intruder, "admin");

        var problem = await ProblemAsync(samePath, HttpStatusCode.Conflict, "exposure.IngressHost");
        Assert.Equal("/problems/conflict", problem.GetProperty("type").GetString());
        Assert.Equal(
            $"'{host}' is taken by another tenant: choose another host.",
            problem.GetProperty("detail").GetString()
        );
        await ProblemAsync(otherPath, HttpStatusCode.Conflict, "exposure.IngressHost");
        Assert.DoesNotContain(holder.Slug, await otherPath.Content.ReadAsStringAsync());
        await AssertNothingDeployedAsync(intruder);
    }

    [SkippableFact]
    public async Task A_tenant_cannot_take_a_name_under_another_tenants_wildcard_nor_a_wildcard_over_its_names()
    {
        var pool = await World.PoolAsync();
        await World.IngressDomainsAsync(pool, "example.com", wildcardHosts: true);
        var (holder, holderApi) = await TenantAsync(pool);
        var (intruder, intruderApi) = await TenantAsync(pool);
        var team = UniqueHost();
        var site = UniqueHost();
        await CreatedAsync(holderApi, holder, "wild", Spec($"*.{team}"));
        await CreatedAsync(holderApi, holder, "named", Spec($"www.{site}"));
        await AcceptedAsync(await DeployAsync(holderApi, holder, "wild"));
        await AcceptedAsync(await DeployAsync(holderApi, holder, "named"));
        await CreatedAsync(intruderApi, intruder, "login", Spec($"login.{team}"));
        await CreatedAsync(intruderApi, intruder, "over", Spec($"*.{site}"));

        await ProblemAsync(
            await DeployAsync(intruderApi, intruder, "login"),
            HttpStatusCode.Conflict,
            "exposure.IngressHost"
        );
        await ProblemAsync(
            await DeployAsync(intruderApi, intruder, "over"),
            HttpStatusCode.Conflict,
            "exposure.IngressHost"
        );
        await AssertNothingDeployedAsync(intruder);
    }

    [SkippableFact]
    public async Task A_tenant_cannot_publish_the_portal_s_own_host()
    {
        var pool = await World.PoolAsync();
        await World.IngressDomainsAsync(pool, "example.com", wildcardHosts: true);
        var (tenant, api) = await TenantAsync(pool);
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));

        var exact = await CreateAsync(api, tenant, "phish", Spec(PortalHost));
        var wildcard = await CreateAsync(api, tenant, "catchall", Spec("*.example.com"));
        var reservedDomain = await CreateAsync(api, tenant, "sso", Spec("sso.internal.example.com"));
        var onPage = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/new",
            new()
            {
                ["Name"] = "phish-page",
                ["Owner"] = "team",
                ["Image"] = "nginx:1.27",
                ["Ports"] = "http:8080",
                ["CpuRequest"] = "50m",
                ["CpuLimit"] = "100m",
                ["MemoryRequest"] = "32Mi",
                ["MemoryLimit"] = "64Mi",
                ["Replicas"] = "1",
                ["ServicePort"] = "80",
                ["TargetPort"] = "8080",
                ["IngressHost"] = PortalHost,
            }
        );

        var problem = await ProblemAsync(exact, HttpStatusCode.BadRequest, "spec.Exposure.IngressHost");
        Assert.Contains(
            $"'{PortalHost}' is one of the portal's own host names",
            problem.GetProperty("detail").GetString()
        );
        await ProblemAsync(wildcard, HttpStatusCode.BadRequest, "spec.Exposure.IngressHost");
        await ProblemAsync(reservedDomain, HttpStatusCode.BadRequest, "spec.Exposure.IngressHost");
        Assert.Equal(HttpStatusCode.BadRequest, onPage.StatusCode);
        Assert.Contains(
            "is one of the portal's own host names",
            WebUtility.HtmlDecode(await onPage.Content.ReadAsStringAsync())
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.Applications.IgnoreQueryFilters().CountAsync(a => a.TenantId == tenant.Id)
            )
        );
    }

    [SkippableFact]
    public async Task A_wildcard_host_is_refused_unless_its_pool_allows_wildcards()
    {
        var pool = await World.PoolAsync();
        var (tenant, api) = await TenantAsync(pool);
        var wildcard = $"*.{UniqueHost()}";

        var refusedAtSave = await CreateAsync(api, tenant, "wild", Spec(wildcard));
        await World.IngressDomainsAsync(pool, "example.com", wildcardHosts: true);
        var created = await CreateAsync(api, tenant, "wild", Spec(wildcard));
        await World.IngressDomainsAsync(pool, "example.com", wildcardHosts: false);
        var refusedAtDeploy = await DeployAsync(api, tenant, "wild");

        Assert.Contains(
            "are allowed in none of the pools you have quota in",
            (await ProblemAsync(refusedAtSave, HttpStatusCode.BadRequest, "spec.Exposure.IngressHost"))
                .GetProperty("detail")
                .GetString()
        );
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Contains(
            "does not allow wildcard hosts",
            (await ProblemAsync(refusedAtDeploy, HttpStatusCode.BadRequest, "exposure.IngressHost"))
                .GetProperty("detail")
                .GetString()
        );
        await AssertNothingDeployedAsync(tenant);
    }

    [SkippableFact]
    public async Task A_host_outside_its_pools_domains_is_refused_with_the_list()
    {
        var pool = await World.PoolAsync();
        await World.IngressDomainsAsync(pool, "apps.example.com, example.org");
        var bare = await World.PoolAsync();
        await World.IngressDomainsAsync(bare, "");
        var (tenant, api) = await TenantAsync(pool);
        var (elsewhere, elsewhereApi) = await TenantAsync(bare);
        await CreatedAsync(api, tenant, "web", Spec(UniqueHost("elsewhere.test")));
        await CreatedAsync(elsewhereApi, elsewhere, "web", Spec(UniqueHost("example.org")));

        var outside = await DeployAsync(api, tenant, "web");
        var none = await DeployAsync(elsewhereApi, elsewhere, "web");

        Assert.Contains(
            $"is outside the domains of pool '{pool}': use a host under apps.example.com, example.org.",
            (await ProblemAsync(outside, HttpStatusCode.BadRequest, "exposure.IngressHost"))
                .GetProperty("detail")
                .GetString()
        );
        Assert.Contains(
            $"Pool '{bare}' publishes no ingress hosts",
            (await ProblemAsync(none, HttpStatusCode.BadRequest, "exposure.IngressHost"))
                .GetProperty("detail")
                .GetString()
        );
        await AssertNothingDeployedAsync(tenant);
        await AssertNothingDeployedAsync(elsewhere);
    }

    [SkippableFact]
    public async Task An_ingress_path_an_ingress_controller_could_misread_is_refused_on_its_field()
    {
        var pool = await World.PoolAsync();
        var (tenant, api) = await TenantAsync(pool);
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));

        var regex = await CreateAsync(api, tenant, "regex", Spec(UniqueHost(), "/api/(.*)"));
        var climbing = await CreateAsync(api, tenant, "climb", Spec(UniqueHost(), "/static/../admin"));
        var onPage = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/new",
            new()
            {
                ["Name"] = "snippet",
                ["Owner"] = "team",
                ["Image"] = "nginx:1.27",
                ["Ports"] = "http:8080",
                ["CpuRequest"] = "50m",
                ["CpuLimit"] = "100m",
                ["MemoryRequest"] = "32Mi",
                ["MemoryLimit"] = "64Mi",
                ["Replicas"] = "1",
                ["ServicePort"] = "80",
                ["TargetPort"] = "8080",
                ["IngressHost"] = UniqueHost(),
                ["IngressPath"] = "/x;return 200",
            }
        );

        await ProblemAsync(regex, HttpStatusCode.BadRequest, "spec.Exposure.IngressPath");
        await ProblemAsync(climbing, HttpStatusCode.BadRequest, "spec.Exposure.IngressPath");
        Assert.Equal(HttpStatusCode.BadRequest, onPage.StatusCode);
        var page = WebUtility.HtmlDecode(await onPage.Content.ReadAsStringAsync());
        Assert.Matches("id=\"ingress-path-refusal\"[^>]*>An ingress path is made of segments", page);
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.Applications.IgnoreQueryFilters().CountAsync(a => a.TenantId == tenant.Id)
            )
        );
    }

    [SkippableFact]
    public async Task Tenants_deploying_one_host_at_the_same_moment_leave_exactly_one_holder()
    {
        var pool = await World.PoolAsync();
        var host = UniqueHost();
        var rivals = new List<(Tenant Tenant, HttpClient Api)>();
        for (var i = 0; i < 4; i++)
        {
            var rival = await TenantAsync(pool);
            await CreatedAsync(rival.Api, rival.Tenant, "web", Spec(host, i % 2 == 0 ? "/" : "/api"));
            rivals.Add(rival);
        }

        var answers = await Task.WhenAll(rivals.Select(r => DeployAsync(r.Api, r.Tenant, "web")));

        Assert.Equal(1, answers.Count(a => a.StatusCode == HttpStatusCode.Accepted));
        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.Conflict));
        var ids = rivals.Select(r => r.Tenant.Id).ToList();
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db =>
                db.AppDeployments.IgnoreQueryFilters().CountAsync(d => ids.Contains(d.TenantId))
            )
        );
    }

    [SkippableFact]
    public async Task A_host_is_free_again_once_the_application_holding_it_is_deleted_or_moves_to_another_host()
    {
        var pool = await World.PoolAsync();
        var (first, firstApi) = await TenantAsync(pool);
        var (second, secondApi) = await TenantAsync(pool);
        var (third, thirdApi) = await TenantAsync(pool);
        var deleted = UniqueHost();
        var moved = UniqueHost();
        await CreatedAsync(firstApi, first, "gone", Spec(deleted));
        await CreatedAsync(firstApi, first, "moving", Spec(moved));
        Assert.Equal(OperationState.Succeeded, (await FinishedAsync(await DeployAsync(firstApi, first, "gone"))).State);
        Assert.Equal(
            OperationState.Succeeded,
            (await FinishedAsync(await DeployAsync(firstApi, first, "moving"))).State
        );
        await CreatedAsync(secondApi, second, "web", Spec(deleted));
        await CreatedAsync(thirdApi, third, "web", Spec(moved));
        await ProblemAsync(
            await DeployAsync(secondApi, second, "web"),
            HttpStatusCode.Conflict,
            "exposure.IngressHost"
        );
        await ProblemAsync(await DeployAsync(thirdApi, third, "web"), HttpStatusCode.Conflict, "exposure.IngressHost");

        var deletion = await firstApi.DeleteAsync($"/api/v1/tenants/{first.Slug}/apps/gone?confirm=gone");
        Assert.Equal(OperationState.Succeeded, (await FinishedAsync(deletion)).State);
        var changed = await firstApi.PutAsJsonAsync(
            $"/api/v1/tenants/{first.Slug}/apps/moving",
            new
            {
                description = "moved",
                owner = "team",
                spec = Spec(UniqueHost()),
            }
        );
        Assert.True(changed.IsSuccessStatusCode, await changed.Content.ReadAsStringAsync());
        Assert.Equal(
            OperationState.Succeeded,
            (await FinishedAsync(await DeployAsync(firstApi, first, "moving"))).State
        );

        await AcceptedAsync(await DeployAsync(secondApi, second, "web"));
        await AcceptedAsync(await DeployAsync(thirdApi, third, "web"));
    }

    [SkippableFact]
    public async Task A_host_is_free_again_once_the_environment_that_published_it_is_deleted()
    {
        var pool = await World.PoolAsync();
        var (first, firstApi) = await TenantAsync(pool);
        var (second, secondApi) = await TenantAsync(pool);
        var host = UniqueHost();
        await CreatedAsync(firstApi, first, "web", Spec(host));
        Assert.Equal(OperationState.Succeeded, (await FinishedAsync(await DeployAsync(firstApi, first, "web"))).State);
        await CreatedAsync(secondApi, second, "web", Spec(host));
        await ProblemAsync(
            await DeployAsync(secondApi, second, "web"),
            HttpStatusCode.Conflict,
            "exposure.IngressHost"
        );
        var firstAdmin = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(first, TenantRole.TenantAdmin));

        var deletion = await firstAdmin.DeleteAsync($"/api/v1/tenants/{first.Slug}/environments/dev?confirm=dev");
        Assert.Equal(OperationState.Succeeded, (await FinishedAsync(deletion)).State);

        await AcceptedAsync(await DeployAsync(secondApi, second, "web"));
    }

    [SkippableFact]
    public async Task An_automatic_rollback_does_not_publish_a_host_its_application_has_let_go_of()
    {
        var pool = await World.PoolAsync();
        var (first, firstApi) = await TenantAsync(pool);
        var (second, secondApi) = await TenantAsync(pool);
        var before = UniqueHost();
        var after = UniqueHost();
        await CreatedAsync(firstApi, first, "web", Spec(before));
        Assert.Equal(OperationState.Succeeded, (await FinishedAsync(await DeployAsync(firstApi, first, "web"))).State);
        var moved = await firstApi.PutAsJsonAsync(
            $"/api/v1/tenants/{first.Slug}/apps/web",
            new
            {
                description = "moved",
                owner = "team",
                spec = new
                {
                    image = "registry.example.com/shop/crashloop:1.0",
                    ports = new[]
                    {
                        new
                        {
                            name = "http",
                            port = 8080,
                            protocol = "Tcp",
                        },
                    },
                    resources = new
                    {
                        cpuRequestMillis = 50,
                        cpuLimitMillis = 100,
                        memoryRequestBytes = 32L << 20,
                        memoryLimitBytes = 64L << 20,
                    },
                    replicas = 1,
                    exposure = new
                    {
                        servicePort = 80,
                        targetPort = 8080,
                        ingressHost = after,
                        ingressPath = "/",
                    },
                },
            }
        );
        Assert.True(moved.IsSuccessStatusCode, await moved.Content.ReadAsStringAsync());
        await CreatedAsync(secondApi, second, "web", Spec(before));

        var failing = await firstApi.PostAsJsonAsync(
            $"/api/v1/tenants/{first.Slug}/apps/web/environments/dev/deploy",
            new { rollBackOnFailure = true }
        );
        await AcceptedAsync(failing);
        var failingId = (await failing.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("operation").GetGuid();
        // The host is let go of once the new Ingress is in place, before the rollout fails and rolls back: another
        // tenant takes it.
        await SandboxWorld.EventuallyAsync(
            async () => (await DeployAsync(secondApi, second, "web")).StatusCode == HttpStatusCode.Accepted,
            "the old host to be let go of",
            30
        );
        // The rollback is refused at its admission, or its job refuses to publish the host: either way it says why.
        var why = "";
        await SandboxWorld.EventuallyAsync(
            async () =>
            {
                var operations = await Arrange.QueryAsync(db =>
                    db.Operations.IgnoreQueryFilters()
                        .AsNoTracking()
                        .Where(o =>
                            o.TenantId == first.Id
                            && (o.Id == failingId || o.RequestedBy == "portal (automatic rollback)")
                        )
                        .ToListAsync()
                );
                var rollback = operations.FirstOrDefault(o => o.Id != failingId);
                why = rollback is { IsFinished: true }
                    ? rollback.Error ?? ""
                    : operations.Single(o => o.Id == failingId).Error ?? "";
                return rollback is { IsFinished: true } || why.Contains("automatic rollback", StringComparison.Ordinal);
            },
            "the automatic rollback to be refused",
            40
        );

        using var cluster = World.Client();
        var ingress = await cluster.NetworkingV1.ReadNamespacedIngressAsync("web", $"{first.Slug}-dev");
        Assert.Equal(after, ingress.Spec.Rules[0].Host);
        Assert.True(
            why.Contains($"'{before}' is not held by this application here", StringComparison.Ordinal)
                || why.Contains($"'{before}' is taken by another tenant", StringComparison.Ordinal),
            why
        );
    }

    [SkippableFact]
    public async Task Within_a_tenant_an_application_keeps_its_host_in_every_environment_and_no_other_application_takes_its_path()
    {
        var pool = await World.PoolAsync();
        var (tenant, api) = await TenantAsync(pool, "dev", "prod");
        var host = UniqueHost();
        await CreatedAsync(api, tenant, "web", Spec(host));
        await CreatedAsync(api, tenant, "copy", Spec(host));
        await CreatedAsync(api, tenant, "api", Spec(host, "/api"));

        await AcceptedAsync(await DeployAsync(api, tenant, "web", "dev"));
        await AcceptedAsync(await DeployAsync(api, tenant, "web", "prod"));
        var copy = await DeployAsync(api, tenant, "copy", "prod");
        await AcceptedAsync(await DeployAsync(api, tenant, "api", "dev"));

        Assert.Contains(
            $"'{host}' is published by application 'web' in '",
            (await ProblemAsync(copy, HttpStatusCode.Conflict, "exposure.IngressHost"))
                .GetProperty("detail")
                .GetString()
        );
    }
}

/// <summary>
/// A sandbox portal whose public address and other reserved names are set, as an operator would set them.
/// </summary>
public abstract class IngressSandboxPortalOn : SandboxPortalOn
{
    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings)
        {
            ["Portal:PublicUrl"] = "https://portal.example.com",
            ["Portal:Ingress:ReservedHosts:0"] = "*.internal.example.com",
        };
}

public sealed class IngressSandboxPortal : IngressSandboxPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class PostgresIngressSandboxPortal : IngressSandboxPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

[Trait("Database", "Sqlite")]
public sealed class IngressHostsOnSqlite(IngressSandboxPortal portal)
    : IngressHostScenarios(portal),
        IClassFixture<IngressSandboxPortal>;

[Trait("Database", "Postgres")]
public sealed class IngressHostsOnPostgres(PostgresIngressSandboxPortal portal)
    : IngressHostScenarios(portal),
        IClassFixture<PostgresIngressSandboxPortal>;
