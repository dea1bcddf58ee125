using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Tenancy;

/// <summary>
/// Every endpoint whose route names a tenant, found in the app's endpoint data source so that new endpoints
/// are covered without touching this test, is called by members of tenant A (each role) with tenant B's
/// identifiers. They get 403 or 404 and never B's data. A Viewer of A cannot change A either.
/// </summary>
public sealed class TenantIsolationTests(SqlitePortal portal, ITestOutputHelper output) : IClassFixture<SqlitePortal>
{
    private const string SecretOfB = "Beta Secret Corp";
    private static readonly TenantRole[] Roles = [TenantRole.Viewer, TenantRole.Developer, TenantRole.TenantAdmin];
    private Arrange Arrange => new(portal.Factory);

    private sealed record TenantWorld(
        Tenant Tenant,
        TestUser Member,
        Guid InvitationId,
        TestServiceAccount Account,
        Guid OperationId,
        string Environment,
        string App,
        string Pod,
        string Instance,
        MonitoringObjects Monitoring,
        string Pipeline
    )
    {
        public IReadOnlyDictionary<string, string> RouteValues =>
            new Dictionary<string, string>
            {
                ["tenant"] = Tenant.Slug,
                ["memberId"] = Member.Id.ToString(),
                ["invitationId"] = InvitationId.ToString(),
                ["serviceAccountId"] = Account.Id.ToString(),
                ["operationId"] = OperationId.ToString(),
                ["environment"] = Environment,
                ["app"] = App,
                ["pod"] = Pod,
                ["revision"] = "1",
                ["build"] = "1",
                ["pipeline"] = Pipelines.RunWorld.Pipeline,
                ["run"] = "1",
                ["stage"] = "approve",
                ["from"] = "1",
                ["to"] = "1",
                ["area"] = "monitoring",
                ["pool"] = "some-pool",
                ["instance"] = Instance,
                ["template"] = "redis",
                ["version"] = "7.2.7",
                ["plan"] = "small",
                ["ruleId"] = Monitoring.RuleId.ToString(),
                ["channelId"] = Monitoring.ChannelId.ToString(),
                ["alertId"] = Monitoring.AlertId.ToString(),
                ["account"] = "sandbox-alibaba",
                ["hostId"] = Guid.NewGuid().ToString(),
            };
    }

    private sealed record TenantEndpoint(string Pattern, string Method, bool IsApi)
    {
        public bool Changes => Method != "GET";

        public string Url(IReadOnlyDictionary<string, string> values) =>
            "/"
            + System.Text.RegularExpressions.Regex.Replace(Pattern, @"\{(\w+)(:[^}]*)?\}", m =>
                values.TryGetValue(m.Groups[1].Value, out var value)
                    ? value
                    : throw new InvalidOperationException(
                        $"The route '{Pattern}' has a parameter '{m.Groups[1].Value}' this test "
                            + "has no value of tenant B for: add one to RouteValues."
                    )
            );
    }

    /// <summary>
    /// Run twice: with ordinary names, and with tenants and environments named as close to the cluster's own namespaces
    /// as creation allows (A is "kubes" with environment "system", namespace kubes-system; B is "default" with
    /// environment "kube-system", namespace default-kube-system).
    /// </summary>
    [Theory]
    [InlineData(null, "env", null, "env")]
    [InlineData("kubes", "system", "default", "kube-system")]
    public async Task Members_of_tenant_A_get_403_or_404_and_no_data_for_every_endpoint_of_tenant_B(
        string? slugOfA,
        string environmentOfA,
        string? slugOfB,
        string environmentOfB
    )
    {
        var endpoints = TenantEndpoints();
        Assert.True(
            endpoints.Count >= 25,
            $"Only {endpoints.Count} tenant endpoints were found; the enumeration is broken."
        );
        var a = await WorldAsync("Alpha Corp", slugOfA, environmentOfA);
        var b = await WorldAsync(SecretOfB, slugOfB, environmentOfB);
        var leaks = new List<string>();

        foreach (var role in Roles)
        {
            var session = await Arrange.SignedInAsync(await Arrange.MemberAsync(a.Tenant, role));
            var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(a.Tenant, role));
            foreach (var endpoint in endpoints)
            {
                var url = endpoint.Url(b.RouteValues);
                var response = await SendAsync(endpoint, url, session, api);
                var body = await response.Content.ReadAsStringAsync();
                if (
                    response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
                    || body.Contains(SecretOfB)
                    || body.Contains(b.Member.Email)
                    || body.Contains(RepositoryOf(SecretOfB))
                )
                    leaks.Add($"{role} {endpoint.Method} {url} → {(int)response.StatusCode}");
            }
        }

        output.WriteLine($"{endpoints.Count} endpoints × {Roles.Length} roles checked");
        Assert.Empty(leaks);
        Assert.True(
            await Arrange.QueryAsync(db => db.AppSources.IgnoreQueryFilters().AnyAsync(s => s.TenantId == b.Tenant.Id)),
            "tenant B's source is still connected"
        );
    }

    /// <summary>
    /// Objects found by id (rules, channels, alerts, operations, members…) are looked up within the route's tenant
    /// only.
    /// </summary>
    [Fact]
    public async Task Identifiers_of_tenant_B_under_the_route_of_tenant_A_find_nothing()
    {
        string[] ids =
        [
            "memberId",
            "invitationId",
            "serviceAccountId",
            "operationId",
            "ruleId",
            "channelId",
            "alertId",
            "pipeline",
        ];
        var endpoints = TenantEndpoints()
            .Where(e => ids.Any(id => e.Pattern.Contains($"{{{id}", StringComparison.Ordinal)))
            .ToList();
        Assert.True(
            endpoints.Count >= 10,
            $"Only {endpoints.Count} endpoints take an identifier; the enumeration is broken."
        );
        var a = await WorldAsync("Delta Corp");
        var b = await WorldAsync(SecretOfB);
        var values = new Dictionary<string, string>(b.RouteValues) { ["tenant"] = a.Tenant.Slug };
        var session = await Arrange.SignedInAsync(await Arrange.MemberAsync(a.Tenant, TenantRole.TenantAdmin));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(a.Tenant, TenantRole.TenantAdmin));
        var leaks = new List<string>();

        foreach (var endpoint in endpoints)
        {
            var url = endpoint.Url(values);
            var response = await SendAsync(endpoint, url, session, api);
            var body = await response.Content.ReadAsStringAsync();
            // Pages answer a form about an unknown object with a redirect and a refusal; what matters is that B is
            // untouched (below).
            var refused =
                response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest
                || (!endpoint.IsApi && endpoint.Changes && response.StatusCode == HttpStatusCode.Redirect);
            if (!refused || body.Contains(SecretOfB) || body.Contains(b.Member.Email))
                leaks.Add($"{endpoint.Method} {url} → {(int)response.StatusCode}");
        }

        output.WriteLine($"{endpoints.Count} endpoints with identifiers checked");
        Assert.Empty(leaks);
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.Memberships.IgnoreQueryFilters().AnyAsync(m => m.TenantId == b.Tenant.Id && m.UserId == b.Member.Id)
            )
        );
        Assert.True(
            await Arrange.QueryAsync(db => db.ServiceAccounts.IgnoreQueryFilters().AnyAsync(s => s.Id == b.Account.Id))
        );
        Assert.True(
            await Arrange.QueryAsync(db => db.AlertRules.AnyAsync(r => r.Id == b.Monitoring.RuleId && r.Enabled))
        );
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.NotificationChannels.AnyAsync(c => c.Id == b.Monitoring.ChannelId && c.Enabled)
            )
        );
        Assert.True(
            await Arrange.QueryAsync(db =>
                db.Alerts.AnyAsync(a => a.Id == b.Monitoring.AlertId && a.SilencedUntil == null)
            )
        );
    }

    [Fact]
    public async Task A_viewer_cannot_change_anything_in_their_own_tenant()
    {
        var a = await WorldAsync("Viewer Land");
        var session = await Arrange.SignedInAsync(await Arrange.MemberAsync(a.Tenant, TenantRole.Viewer));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(a.Tenant, TenantRole.Viewer));
        var changes = TenantEndpoints().Where(e => e.Changes).ToList();
        Assert.NotEmpty(changes);
        var allowed = new List<string>();

        foreach (var endpoint in changes)
        {
            var response = await SendAsync(endpoint, endpoint.Url(a.RouteValues), session, api);
            if (response.StatusCode != HttpStatusCode.Forbidden)
                allowed.Add($"{endpoint.Method} {endpoint.Pattern} → {(int)response.StatusCode}");
        }

        Assert.Empty(allowed);
    }

    [Fact]
    public async Task Platform_endpoints_refuse_every_tenant_member_and_service_account()
    {
        var platformEndpoints = portal
            .Factory.Services.GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .Where(e =>
                e.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>()
                    .Any(a => a.Policy == Portal.Web.Tenancy.TenantPolicies.PlatformAdmin)
            )
            .SelectMany(e =>
                (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(
                    method => new TenantEndpoint(
                        e.RoutePattern.RawText!.TrimStart('/'),
                        method,
                        e.RoutePattern.RawText!.TrimStart('/').StartsWith("api/", StringComparison.Ordinal)
                    )
                )
            )
            .Distinct()
            .ToList();
        Assert.True(
            platformEndpoints.Count >= 20,
            $"Only {platformEndpoints.Count} platform endpoints were found; the enumeration is broken."
        );
        var a = await WorldAsync("Gamma Corp");
        var values = new Dictionary<string, string>(a.RouteValues)
        {
            ["cluster"] = "sandbox",
            ["host"] = "sandbox-node-01",
        };
        var allowed = new List<string>();

        var tenantAdmin = await Arrange.SignedInAsync(await Arrange.MemberAsync(a.Tenant, TenantRole.TenantAdmin));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(a.Tenant, TenantRole.TenantAdmin));
        foreach (var endpoint in platformEndpoints)
        {
            var response = await SendAsync(endpoint, endpoint.Url(values), tenantAdmin, api);
            if (response.StatusCode is not (HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized))
                allowed.Add($"{endpoint.Method} {endpoint.Pattern} → {(int)response.StatusCode}");
        }

        output.WriteLine($"{platformEndpoints.Count} platform endpoints checked");
        Assert.Empty(allowed);
    }

    /// <summary>
    /// Endpoints that take no sign-in are the known few, each for its reason: signing in, the error page, accepting an
    /// invitation (its token is the credential), and a pipeline's webhook. The webhook is anonymous by design, since
    /// Git hosts sign deliveries rather than sign in, and it is safe because a delivery is believed only when signed
    /// with the pipeline's own secret (random, sealed at rest, shown once): the pipeline's id alone gives nothing. A
    /// delivery signed with tenant A's secret and sent to tenant B's pipeline is refused, and nothing starts in B.
    /// </summary>
    [Fact]
    public async Task Anonymous_endpoints_are_the_known_few_and_a_webhook_believes_only_its_own_pipelines_secret()
    {
        var anonymous = portal
            .Factory.Services.GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<Microsoft.AspNetCore.Authorization.IAllowAnonymous>() is not null)
            .Select(e => e.RoutePattern.RawText!.TrimStart('/'))
            .ToHashSet();
        string[] known =
        [
            Portal.Web.Identity.AccountRoutes.Login,
            Portal.Web.Shell.ShellRoutes.Error,
            Portal.Web.Tenancy.TenancyRoutes.Invitation,
            Portal.Web.Pipelines.PipelineRoutes.Webhook,
        ];
        var pipelines = new Pipelines.PipelineArrange(portal.Factory);
        var ofA = await pipelines.PipelineAsync();
        var ofB = await pipelines.PipelineAsync();

        var response = await portal
            .Factory.CreateClient()
            .SendAsync(
                Pipelines.PipelineArrange.GitHubDelivery(
                    ofB.Id,
                    ofA.Secret,
                    Pipelines.PipelineArrange.Payload("github-push.json"),
                    "192.0.2.77"
                )
            );

        Assert.Equal(known.Select(k => k.TrimStart('/')).Order(), anonymous.Order());
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(ofB.Tenant.Slug, await response.Content.ReadAsStringAsync());
        Assert.Empty(await pipelines.RunsAsync(ofB.Id));
        Assert.Empty(await pipelines.DeliveriesAsync(ofB.Id));
    }

    /// <summary>
    /// Namespaces are "{tenant}-{environment}": a tenant named "kube" with an environment "system" was handed
    /// kube-system. A slug that puts every environment into a prefix the cluster keeps is refused when the tenant is
    /// created.
    /// </summary>
    [Fact]
    public async Task A_tenant_cannot_take_over_kube_system_by_naming_itself_kube()
    {
        var admin = await Arrange.AdminAsync();
        var api = await Arrange.UserApiClientAsync(admin);

        var page = await admin.PostFormAsync(
            "/admin/tenants",
            new() { ["Form.Slug"] = "kube", ["Form.DisplayName"] = "Kube" }
        );
        var viaApi = await api.PostAsJsonAsync(
            "/api/v1/tenants",
            new { slug = "openshift-infra", displayName = "OpenShift" }
        );

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        Assert.Contains("The slug 'kube' is reserved", WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync()));
        Assert.Equal(HttpStatusCode.BadRequest, viaApi.StatusCode);
        var problem = await viaApi.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(
            "'openshift-infra' is reserved",
            problem.GetProperty("errors").GetProperty("slug")[0].GetString()
        );
        Assert.False(
            await Arrange.QueryAsync(db => db.Tenants.AnyAsync(t => t.Slug == "kube" || t.Slug == "openshift-infra"))
        );
    }

    /// <summary>
    /// A tenant "istio" may exist, but its environment "system" would be the mesh's istio-system: refused when chosen.
    /// </summary>
    [Fact]
    public async Task A_tenant_cannot_take_over_istio_system_by_naming_an_environment_system()
    {
        var tenant = await Arrange.TenantAsync("istio", "Istio fans");
        var pool = await Arrange.QuotaAsync(tenant);
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin));

        var page = await admin.PostFormAsync(
            "/t/istio/environments",
            new()
            {
                ["Name"] = "system",
                ["Pool"] = pool,
                ["Share.CpuRequests"] = "1",
                ["Share.CpuLimits"] = "1",
                ["Share.MemoryRequests"] = "1Gi",
                ["Share.MemoryLimits"] = "1Gi",
                ["Share.Storage"] = "1Gi",
                ["Share.Pods"] = "5",
            }
        );
        var viaApi = await api.PostAsJsonAsync(
            "/api/v1/tenants/istio/environments",
            new
            {
                name = "system",
                pool,
                share = new
                {
                    cpuRequests = "1",
                    cpuLimits = "1",
                    memoryRequests = "1Gi",
                    memoryLimits = "1Gi",
                    storage = "1Gi",
                    pods = "5",
                },
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, page.StatusCode);
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Matches("data-valmsg-for=\"Name\"[^>]*>[^<]*Namespace 'istio-system' is reserved", html);
        Assert.Equal(HttpStatusCode.BadRequest, viaApi.StatusCode);
        var problem = await viaApi.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(
            "Namespace 'istio-system' is reserved",
            problem.GetProperty("errors").GetProperty("name")[0].GetString()
        );
        Assert.False(
            await Arrange.QueryAsync(db => db.Environments.IgnoreQueryFilters().AnyAsync(e => e.TenantId == tenant.Id))
        );
        Assert.False(
            await Arrange.QueryAsync(db => db.Operations.IgnoreQueryFilters().AnyAsync(o => o.TenantId == tenant.Id))
        );
    }

    private List<TenantEndpoint> TenantEndpoints() =>
        portal
            .Factory.Services.GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.Parameters.Any(p => p.Name == "tenant"))
            .SelectMany(e =>
                (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(
                    method => new TenantEndpoint(
                        e.RoutePattern.RawText!.TrimStart('/'),
                        method,
                        e.RoutePattern.RawText!.TrimStart('/').StartsWith("api/", StringComparison.Ordinal)
                    )
                )
            )
            .Distinct()
            .ToList();

    private async Task<TenantWorld> WorldAsync(string name, string? slug = null, string environmentName = "env")
    {
        var tenant = await Arrange.TenantAsync(slug, displayName: name);
        var member = await Arrange.MemberAsync(tenant, TenantRole.Developer);
        await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin);
        var invitation = await Arrange.InvitationAsync(
            tenant,
            $"{Arrange.Unique("invitee")}@portal.test",
            TenantRole.Viewer
        );
        var account = await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer);
        var environment = await Arrange.EnvironmentAsync(tenant, environmentName);
        var (app, pod) = await Arrange.ApplicationAsync(tenant, environment);
        await SourceAsync(tenant, app, RepositoryOf(name));
        await Arrange.SucceededBuildAsync(tenant, app, name);
        var runs = new Pipelines.RunWorld(portal.Factory);
        // The pipeline's YAML names the tenant, so that a leak of it shows.
        await runs.PipelineAsync(
            tenant,
            app,
            Pipelines.RunWorld.Yaml()
                + $"\n  - name: check\n    kind: test\n    command: \"echo {tenant.DisplayName}\"\n"
        );
        await runs.AwaitingApprovalAsync(tenant, app);
        return new TenantWorld(
            tenant,
            member,
            invitation,
            account,
            await Arrange.FailedOperationAsync(tenant),
            environment,
            app,
            pod,
            await Arrange.MiddlewareInstanceAsync(tenant, environment),
            await Arrange.MonitoringAsync(tenant, environment, app),
            Pipelines.RunWorld.Pipeline
        );
    }

    /// <summary>The repository a tenant's application is connected to, named after the tenant.</summary>
    private static string RepositoryOf(string tenantName) =>
        $"https://git.example.com/{tenantName.ToLowerInvariant().Replace(' ', '-')}/shop.git";

    /// <summary>A source connected to the application, written directly: no repository is contacted here.</summary>
    private async Task SourceAsync(Tenant tenant, string app, string repository)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Portal.Infrastructure.Persistence.PortalDbContext>();
        var applicationId = await db
            .Applications.IgnoreQueryFilters()
            .Where(a => a.TenantId == tenant.Id && a.Name == app)
            .Select(a => a.Id)
            .SingleAsync();
        var address = Portal.Domain.Builds.GitSourceAddress.Parse(repository, "main", "").Value;
        db.AppSources.Add(
            Portal.Domain.Builds.AppSource.Connect(
                tenant.Id,
                applicationId,
                address,
                Portal.Domain.Builds.GitCredentialKind.None,
                "",
                new string('c', 40),
                "",
                DateTime.UtcNow
            )
        );
        await db.SaveChangesAsync();
    }

    private static Task<HttpResponseMessage> SendAsync(
        TenantEndpoint endpoint,
        string url,
        BrowserSession session,
        HttpClient api
    )
    {
        if (endpoint.IsApi)
        {
            var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), url);
            if (endpoint.Changes)
                request.Content = JsonContent.Create(
                    new
                    {
                        email = "probe@portal.test",
                        role = "Viewer",
                        name = "probe",
                        displayName = "probe",
                    }
                );
            return api.SendAsync(request);
        }
        return endpoint.Changes
            ? session.PostFormAsync(
                url,
                new()
                {
                    ["Form.Email"] = "probe@portal.test",
                    ["Form.Role"] = "Viewer",
                    ["role"] = "Viewer",
                    ["intent"] = "invite",
                }
            )
            : session.GetAsync(url);
    }
}
