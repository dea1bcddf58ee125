using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Identity;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Tenancy;

namespace Portal.Web.Tests.Support;

public sealed record TestUser(Guid Id, string Email, string Password);

public sealed record TestServiceAccount(Guid Id, string ClientId, string Secret, TenantRole Role);

public sealed record MonitoringObjects(Guid RuleId, Guid ChannelId, Guid AlertId);

/// <summary>Builds the world a test starts from through the portal's own use cases, with unique names.</summary>
public sealed class Arrange(PortalFactory factory)
{
    public const string Password = "Test-Passw0rd";
    private static readonly Actor Setup = new(null, "test-setup", "127.0.0.1", true);

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    public async Task<Tenant> TenantAsync(string? slug = null, string? displayName = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var created = await scope
            .ServiceProvider.ActingAs(Setup)
            .GetRequiredService<TenantAdministration>()
            .CreateAsync(slug ?? Unique("t"), displayName ?? "Test tenant", default);
        return created.Value;
    }

    public async Task<TestUser> UserAsync(string? email = null)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        var address = email ?? $"{Unique("user")}@portal.test";
        var user = new PortalUser
        {
            UserName = address,
            Email = address,
            EmailConfirmed = true,
            DisplayName = address,
            CreatedAt = DateTime.UtcNow,
        };
        var created = await users.CreateAsync(user, Password);
        Assert.True(created.Succeeded, string.Join(" ", created.Errors.Select(e => e.Description)));
        return new TestUser(user.Id, address, Password);
    }

    public async Task<TestUser> MemberAsync(Tenant tenant, TenantRole role)
    {
        var user = await UserAsync();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        db.Memberships.Add(new TenantMembership(tenant.Id, user.Id, role, DateTime.UtcNow));
        await db.SaveChangesAsync();
        return user;
    }

    public async Task<TestServiceAccount> ServiceAccountAsync(Tenant tenant, TenantRole role)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var issued = await scope
            .ServiceProvider.ActingAs(Setup, tenant)
            .GetRequiredService<ServiceAccounts>()
            .CreateAsync(Unique("sa"), role.ToString(), default);
        return new TestServiceAccount(
            issued.Value.Account.Id,
            issued.Value.Account.ClientId,
            issued.Value.ClientSecret,
            role
        );
    }

    public async Task<Guid> InvitationAsync(Tenant tenant, string email, TenantRole role)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var issued = await scope
            .ServiceProvider.ActingAs(Setup, tenant)
            .GetRequiredService<MemberDirectory>()
            .InviteAsync(email, role.ToString(), default);
        return issued.Value.Invitation.Id;
    }

    /// <summary>An environment row of the tenant in a pool of a stand-in cluster (no cluster is contacted).</summary>
    public async Task<string> EnvironmentAsync(Tenant tenant, string name = "env")
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var cluster = Portal
            .Domain.Clusters.Cluster.Register(
                Unique("c"),
                null,
                "http://127.0.0.1:1",
                "unused",
                "v1",
                "test-setup",
                DateTime.UtcNow
            )
            .Value;
        var pool = Portal
            .Domain.Quotas.ResourcePool.Create(Unique("p"), null, cluster.Id, null, "bj", 1m, 1m, DateTime.UtcNow)
            .Value;
        var environment = Portal
            .Domain.Environments.TenantEnvironment.Create(
                tenant,
                pool.Id,
                name,
                Portal.Domain.Quotas.ResourceAmounts.Zero,
                DateTime.UtcNow
            )
            .Value;
        db.Clusters.Add(cluster);
        db.ResourcePools.Add(pool);
        db.Environments.Add(environment);
        await db.SaveChangesAsync();
        return environment.Name;
    }

    /// <summary>
    /// A grant to the tenant in a pool of a stand-in cluster (no cluster is contacted); returns the pool's name.
    /// </summary>
    public async Task<string> QuotaAsync(Tenant tenant)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var cluster = Portal
            .Domain.Clusters.Cluster.Register(
                Unique("c"),
                null,
                "http://127.0.0.1:1",
                "unused",
                "v1",
                "test-setup",
                DateTime.UtcNow
            )
            .Value;
        var pool = Portal
            .Domain.Quotas.ResourcePool.Create(Unique("p"), null, cluster.Id, null, "bj", 1m, 1m, DateTime.UtcNow)
            .Value;
        db.Clusters.Add(cluster);
        db.ResourcePools.Add(pool);
        db.TenantQuotas.Add(
            new Portal.Domain.Quotas.TenantQuota(
                tenant.Id,
                pool.Id,
                new Portal.Domain.Quotas.ResourceAmounts(4000, 4000, 4L << 30, 4L << 30, 10L << 30, 20, 0),
                "test-setup",
                DateTime.UtcNow
            )
        );
        await db.SaveChangesAsync();
        return pool.Name;
    }

    /// <summary>
    /// A registered cluster (never contacted) with four 4-CPU, 16 GiB hosts, two of them labelled zone=a.
    /// </summary>
    public async Task<string> ClusterWithHostsAsync()
    {
        var name = Unique("c");
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var cluster = Portal
            .Domain.Clusters.Cluster.Register(
                name,
                null,
                "http://127.0.0.1:1",
                scope
                    .ServiceProvider.GetRequiredService<Portal.Infrastructure.Clusters.KubeconfigVault>()
                    .Protect("unused"),
                "v1.31.0",
                "test",
                DateTime.UtcNow
            )
            .Value;
        db.Clusters.Add(cluster);
        for (var i = 0; i < 4; i++)
        {
            var host = new Portal.Domain.Clusters.ClusterHost(cluster.Id, $"node-{i}");
            host.Observe(
                new Portal.Domain.Clusters.NodeSnapshot(
                    host.Name,
                    "",
                    "worker",
                    $"kubernetes.io/hostname=node-{i}\nzone={(i < 2 ? "a" : "b")}",
                    "",
                    "Ready=True||",
                    true,
                    false,
                    "",
                    4000,
                    16L << 30,
                    110,
                    100L << 30,
                    4000,
                    16L << 30,
                    110,
                    DateTime.UtcNow
                ),
                DateTime.UtcNow
            );
            db.Hosts.Add(host);
        }
        await db.SaveChangesAsync();
        return name;
    }

    /// <summary>
    /// An application of the tenant with one revision deployed (on paper: no cluster is contacted) to the environment,
    /// and one managed pod of it seen by the watch.
    /// </summary>
    public async Task<(string App, string Pod)> ApplicationAsync(Tenant tenant, string environmentName)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var vault = scope.ServiceProvider.GetRequiredService<Portal.Infrastructure.Applications.SpecVault>();
        var environment = await db
            .Environments.IgnoreQueryFilters()
            .SingleAsync(e => e.TenantId == tenant.Id && e.Name == environmentName);
        var clusterId = await db
            .ResourcePools.Where(p => p.Id == environment.PoolId)
            .Select(p => p.ClusterId)
            .SingleAsync();
        var spec = new Portal.Domain.Applications.DeploymentSpec
        {
            Image = "nginx:1.27",
            Resources = new(100, 200, 64L << 20, 128L << 20),
            Environment = [new("API_KEY", "setup-secret-value", IsSecret: true)],
        };
        var now = DateTime.UtcNow;
        var app = Portal
            .Domain.Applications.Application.Create(
                tenant,
                Unique("app"),
                "set up by a test",
                "test-setup",
                spec,
                vault.Seal,
                now
            )
            .Value;
        var revision = app.NewRevision(spec, vault.Seal, environment.Name, "test-setup", null, "deploy", now).Value;
        var deployment = new Portal.Domain.Applications.AppDeployment(app, environment.Id, now);
        deployment.Deploy(revision, spec, false, now);
        deployment.RolledOut(now);
        var pod = new Portal.Domain.Clusters.WorkloadPod(clusterId, environment.Namespace, $"{app.Name}-5d9c7b-x2k4q");
        pod.Observe(
            new Portal.Domain.Clusters.PodStatusReading(
                environment.Namespace,
                pod.Name,
                app.Name,
                1,
                "Running",
                true,
                0,
                null,
                null,
                "node-1",
                "10.0.0.9",
                app.Name,
                now
            ),
            now
        );
        db.Applications.Add(app);
        db.Revisions.Add(revision);
        db.AppDeployments.Add(deployment);
        db.WorkloadPods.Add(pod);
        await db.SaveChangesAsync();
        return (app.Name, pod.Name);
    }

    /// <summary>
    /// An e-mail channel of the tenant, a rule of the application that notifies it, and a firing alert of that rule on
    /// the application's workload in the environment.
    /// </summary>
    public async Task<MonitoringObjects> MonitoringAsync(Tenant tenant, string environmentName, string app)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var environment = await db
            .Environments.IgnoreQueryFilters()
            .SingleAsync(e => e.TenantId == tenant.Id && e.Name == environmentName);
        var clusterId = await db
            .ResourcePools.Where(p => p.Id == environment.PoolId)
            .Select(p => p.ClusterId)
            .SingleAsync();
        var now = DateTime.UtcNow;
        var channel = Portal
            .Domain.Monitoring.NotificationChannel.CreateEmail(tenant.Id, Unique("mail"), "oncall@example.com", now)
            .Value;
        db.NotificationChannels.Add(channel);
        await db.SaveChangesAsync();
        var rule = await scope
            .ServiceProvider.ActingAs(Setup, tenant)
            .GetRequiredService<Portal.Infrastructure.Monitoring.AlertRuleDirectory>()
            .CreateAsync(
                app,
                new(
                    Unique("rule"),
                    Portal.Domain.Monitoring.AlertMetric.AppCrashLoopingPods,
                    Portal.Domain.Monitoring.Aggregation.Last,
                    Portal.Domain.Monitoring.Comparator.AtOrAbove,
                    1,
                    0,
                    Portal.Domain.Monitoring.Severity.Critical,
                    [channel.Id]
                ),
                default
            );
        var subject = new Portal.Domain.Monitoring.MetricSubject(
            Portal.Domain.Monitoring.SubjectKind.Workload,
            clusterId,
            environment.Namespace,
            app,
            tenant.Id,
            environment.Id
        );
        db.MetricSubjects.Add(subject);
        await db.SaveChangesAsync();
        var alert = Portal.Domain.Monitoring.Alert.Fire(rule.Value, subject, $"{environmentName}/{app}", 1, now);
        db.Alerts.Add(alert);
        await db.SaveChangesAsync();
        return new MonitoringObjects(rule.Value.Id, channel.Id, alert.Id);
    }

    /// <summary>
    /// A Redis instance of the tenant in the environment, provisioned on paper (no cluster is contacted) and ready.
    /// </summary>
    public async Task<string> MiddlewareInstanceAsync(Tenant tenant, string environmentName)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var vault = scope.ServiceProvider.GetRequiredService<Portal.Infrastructure.Middleware.CredentialVault>();
        var environment = await db
            .Environments.IgnoreQueryFilters()
            .SingleAsync(e => e.TenantId == tenant.Id && e.Name == environmentName);
        var template = await db.MiddlewareTemplates.SingleAsync(t => t.Name == "redis");
        var now = DateTime.UtcNow;
        var instance = Portal
            .Domain.Middleware.MiddlewareInstance.Create(
                tenant,
                environment.Id,
                Unique("cache"),
                template,
                template.VisibleVersions()[0].Version,
                template.VisiblePlans()[0].Name,
                new Dictionary<string, string?>(),
                vault.Seal(new Dictionary<string, string> { ["password"] = "setup-secret-value" }),
                "test-setup",
                now
            )
            .Value;
        instance.MarkReady($"{instance.Name}.{environment.Namespace}.svc.cluster.local:6379", now);
        db.MiddlewareInstances.Add(instance);
        await db.SaveChangesAsync();
        return instance.Name;
    }

    /// <summary>A failed operation of the tenant, as a job would have left it.</summary>
    public async Task<Guid> FailedOperationAsync(Tenant tenant)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var operation = new Portal.Domain.Operations.Operation(
            tenant.Id,
            "environment.create",
            "environment",
            "gone",
            "test-setup",
            DateTime.UtcNow
        );
        operation.Fail("test failure", DateTime.UtcNow);
        db.Operations.Add(operation);
        await db.SaveChangesAsync();
        return operation.Id;
    }

    /// <summary>
    /// Build 1 of the application, succeeded, with <paramref name="name"/> in its commit, its image and its log.
    /// </summary>
    public async Task SucceededBuildAsync(Tenant tenant, string app, string name)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var applicationId = await db
            .Applications.IgnoreQueryFilters()
            .Where(a => a.TenantId == tenant.Id && a.Name == app)
            .Select(a => a.Id)
            .SingleAsync();
        var now = DateTime.UtcNow;
        var build = Portal.Domain.Builds.Build.Queue(tenant.Id, applicationId, 0, "main", "dev@portal.test", now).Value;
        build.Start(now);
        build.Fetched(new Portal.Domain.Builds.SourceCommit(new string('b', 40), $"Work of {name}", name, now));
        build.Succeed(
            new Portal.Domain.Builds.PushedImage(
                $"127.0.0.1:5000/{tenant.Slug}/{app}",
                "bbbbbbbbbbbb",
                "sha256:" + new string('b', 64),
                1024
            ),
            now
        );
        db.Builds.Add(build);
        db.BuildLogChunks.Add(new Portal.Domain.Builds.BuildLogChunk(tenant.Id, build.Id, 1, $"Log of {name}\n", now));
        await db.SaveChangesAsync();
    }

    public async Task<BrowserSession> SignedInAsync(TestUser user)
    {
        var session = new BrowserSession(factory);
        await session.SignInAsync(user.Email, user.Password);
        return session;
    }

    public async Task<BrowserSession> AdminAsync()
    {
        var session = new BrowserSession(factory);
        await session.SignInAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        return session;
    }

    /// <summary>An API client holding a service account's token from the client credentials grant.</summary>
    public async Task<HttpClient> ApiClientAsync(TestServiceAccount account)
    {
        var client = factory.CreateClient();
        var token = await TokenAsync(client, account.ClientId, account.Secret);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A signed-in user's API client: a user token from the CLI's authorization code flow with PKCE.</summary>
    public async Task<HttpClient> UserApiClientAsync(BrowserSession user)
    {
        var verifier = new string('v', 64);
        var challenge = Convert
            .ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(verifier)))
            .TrimEnd('=')
            .Replace('+', '-')
            .Replace('/', '_');
        var authorize = await user.GetAsync(
            "/connect/authorize?client_id=portal-cli&response_type=code&scope=openid%20portal.api"
                + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&code_challenge="
                + $"{challenge}&code_challenge_method=S256"
        );
        var code = Microsoft
            .AspNetCore.WebUtilities.QueryHelpers.ParseQuery(authorize.Headers.Location!.Query)["code"]
            .ToString();
        var client = factory.CreateClient();
        var tokens = await (
            await client.PostAsync(
                "/connect/token",
                new FormUrlEncodedContent(
                    new Dictionary<string, string>
                    {
                        ["grant_type"] = "authorization_code",
                        ["client_id"] = "portal-cli",
                        ["code"] = code,
                        ["redirect_uri"] = "http://127.0.0.1:8765/callback",
                        ["code_verifier"] = verifier,
                    }
                )
            )
        ).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer",
            tokens.GetProperty("access_token").GetString()
        );
        return client;
    }

    public static async Task<string> TokenAsync(HttpClient client, string clientId, string secret)
    {
        var response = await client.PostAsync(
            "/connect/token",
            new FormUrlEncodedContent(
                new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = clientId,
                    ["client_secret"] = secret,
                }
            )
        );
        var body = await response.Content.ReadFromJsonAsync<Dictionary<string, object>>();
        Assert.True(response.IsSuccessStatusCode, $"Token request failed: {(int)response.StatusCode}");
        return body!["access_token"].ToString()!;
    }

    public async Task<T> QueryAsync<T>(Func<PortalDbContext, Task<T>> query)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        return await query(db);
    }

    public Task<int> AuditCountAsync(string action) =>
        QueryAsync(db => db.AuditEvents.CountAsync(a => a.Action == action));
}
