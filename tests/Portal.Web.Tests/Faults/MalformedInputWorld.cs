using System.Net.Http.Headers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Persistence;
using Portal.Web.Clusters;
using Portal.Web.Tests.Pipelines;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Faults;

/// <summary>
/// One tenant with one of everything a route can name (as the tenant-isolation test builds it), the platform's own
/// objects (the sandbox cluster, one of its hosts, a pool, a catalog template), and the credentials each kind of
/// caller signs in with: so that malformed requests reach the actions they are aimed at, not a 404 for an unknown id.
/// </summary>
public sealed class MalformedInputWorld
{
    private readonly HttpClient _http;
    private readonly Dictionary<Caller, Credentials> _credentials;

    private MalformedInputWorld(
        PortalFactory factory,
        IReadOnlyDictionary<string, string> routeValues,
        Dictionary<Caller, Credentials> credentials
    )
    {
        RouteValues = routeValues;
        _credentials = credentials;
        // No cookie container and no redirects: each request carries its own credentials, so that one signing out or
        // being given a cookie changes nothing for the others.
        _http = factory.CreateDefaultClient(PortalFactory.Origin);
        _http.Timeout = TimeSpan.FromMinutes(2);
    }

    public IReadOnlyDictionary<string, string> RouteValues { get; }

    private sealed record Credentials(string? Bearer, string? Cookie, string? Antiforgery);

    public static async Task<MalformedInputWorld> BuildAsync(PortalFactory factory)
    {
        var arrange = new Arrange(factory);
        var tenant = await arrange.TenantAsync(displayName: "Malformed Input Corp");
        var developer = await arrange.MemberAsync(tenant, TenantRole.Developer);
        var tenantAdmin = await arrange.MemberAsync(tenant, TenantRole.TenantAdmin);
        var invitation = await arrange.InvitationAsync(
            tenant,
            $"{Arrange.Unique("invitee")}@portal.test",
            TenantRole.Viewer
        );
        var apiAccount = await arrange.ServiceAccountAsync(tenant, TenantRole.TenantAdmin);
        var otherAccount = await arrange.ServiceAccountAsync(tenant, TenantRole.Developer);
        var environment = await arrange.EnvironmentAsync(tenant);
        var (app, pod) = await arrange.ApplicationAsync(tenant, environment);
        await arrange.SucceededBuildAsync(tenant, app, "Malformed Input Corp");
        var runs = new RunWorld(factory);
        await runs.PipelineAsync(tenant, app, RunWorld.Yaml());
        await runs.AwaitingApprovalAsync(tenant, app);
        var operation = await arrange.FailedOperationAsync(tenant);
        var instance = await arrange.MiddlewareInstanceAsync(tenant, environment);
        var monitoring = await arrange.MonitoringAsync(tenant, environment, app);
        var pool = await arrange.QueryAsync(db =>
            db.Environments.IgnoreQueryFilters()
                .Where(e => e.TenantId == tenant.Id)
                .Join(db.ResourcePools, e => e.PoolId, p => p.Id, (_, p) => p.Name)
                .SingleAsync()
        );
        var pipelineId = await arrange.QueryAsync(db =>
            db.Pipelines.IgnoreQueryFilters().Where(p => p.TenantId == tenant.Id).Select(p => p.Id).SingleAsync()
        );
        var host = await SandboxHostAsync(arrange);
        await SealStandInClustersAsync(factory);

        var platformAdmin = await arrange.AdminAsync();
        var platformApi = await arrange.UserApiClientAsync(platformAdmin);
        var member = await arrange.SignedInAsync(tenantAdmin);
        var credentials = new Dictionary<Caller, Credentials>
        {
            [Caller.Anonymous] = new(null, null, null),
            [Caller.TenantApi] = new(
                await Arrange.TokenAsync(factory.CreateClient(), apiAccount.ClientId, apiAccount.Secret),
                null,
                null
            ),
            [Caller.PlatformApi] = new(platformApi.DefaultRequestHeaders.Authorization!.Parameter, null, null),
            [Caller.TenantBrowser] = await BrowserAsync(member),
            [Caller.PlatformBrowser] = await BrowserAsync(platformAdmin),
        };
        var values = new Dictionary<string, string>
        {
            ["tenant"] = tenant.Slug,
            ["memberId"] = developer.Id.ToString(),
            ["invitationId"] = invitation.ToString(),
            ["serviceAccountId"] = otherAccount.Id.ToString(),
            ["operationId"] = operation.ToString(),
            ["environment"] = environment,
            ["app"] = app,
            ["pod"] = pod,
            ["revision"] = "1",
            ["build"] = "1",
            ["pipeline"] = RunWorld.Pipeline,
            ["pipelineId"] = pipelineId.ToString(),
            ["run"] = "1",
            ["stage"] = "approve",
            ["pool"] = pool,
            ["instance"] = instance,
            ["template"] = "redis",
            ["version"] = "7.2.7",
            ["plan"] = "small",
            ["ruleId"] = monitoring.RuleId.ToString(),
            ["channelId"] = monitoring.ChannelId.ToString(),
            ["alertId"] = monitoring.AlertId.ToString(),
            ["cluster"] = EmbeddedSandboxOptions.ClusterName,
            ["host"] = host,
            // No cloud account or cloud host is registered (that needs a sandbox cloud): their routes answer 404.
            ["account"] = "sandbox-alibaba",
            ["hostId"] = Guid.NewGuid().ToString(),
            ["token"] = "not-an-invitation-token",
        };
        return new MalformedInputWorld(factory, values, credentials);
    }

    private static async Task<string> SandboxHostAsync(Arrange arrange)
    {
        for (var attempt = 0; ; attempt++)
        {
            var host = await arrange.QueryAsync(db =>
                db.Hosts.Join(
                        db.Clusters.Where(c => c.Name == EmbeddedSandboxOptions.ClusterName),
                        h => h.ClusterId,
                        c => c.Id,
                        (h, _) => h.Name
                    )
                    .OrderBy(n => n)
                    .FirstOrDefaultAsync()
            );
            if (host is not null)
                return host;
            Assert.True(attempt < 200, "The sandbox's hosts were never seen by the portal.");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// The stand-in clusters of <see cref="Arrange"/> hold the text "unused" where a sealed kubeconfig belongs, which
    /// no registered cluster can hold: they get a sealed kubeconfig of an API server that does not answer, as a
    /// cluster that is down has.
    /// </summary>
    private static async Task SealStandInClustersAsync(PortalFactory factory)
    {
        const string unreachable = """
            apiVersion: v1
            kind: Config
            clusters: [{name: down, cluster: {server: "http://127.0.0.1:1"}}]
            users: [{name: down, user: {token: unused}}]
            contexts: [{name: down, context: {cluster: down, user: down}}]
            current-context: down
            """;
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var vault = scope.ServiceProvider.GetRequiredService<KubeconfigVault>();
        foreach (var cluster in await db.Clusters.Where(c => c.ProtectedKubeconfig == "unused").ToListAsync())
            cluster.ReplaceKubeconfig(cluster.ApiServer, vault.Protect(unreachable), "v1", DateTime.UtcNow);
        await db.SaveChangesAsync();
    }

    private static async Task<Credentials> BrowserAsync(BrowserSession session)
    {
        var token = await session.AntiforgeryTokenAsync("/account/password");
        return new Credentials(null, session.Cookies.GetCookieHeader(PortalFactory.Origin), token);
    }

    public async Task<HttpResponseMessage> SendAsync(MalformedRequest request, MalformedMessage message)
    {
        var http = new HttpRequestMessage(new HttpMethod(request.Endpoint.Method), message.Url)
        {
            Content = new ByteArrayContent(message.Body),
        };
        if (message.ContentType is not null)
            http.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(message.ContentType);
        var credentials = _credentials[request.Endpoint.Caller];
        if (credentials.Bearer is not null)
            http.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credentials.Bearer);
        if (credentials.Cookie is not null)
            http.Headers.Add("Cookie", credentials.Cookie);
        // The header the anti-forgery filter reads before the form, so that a body that is no form still carries it.
        if (message.Antiforgery == MalformedRequests.AntiforgeryValid)
            http.Headers.Add("RequestVerificationToken", credentials.Antiforgery);
        else if (message.Antiforgery == MalformedRequests.AntiforgeryGarbled)
            http.Headers.Add("RequestVerificationToken", "CfDJ8garbled\u00e9".Replace("\u00e9", "%00"));
        return await _http.SendAsync(http);
    }
}
