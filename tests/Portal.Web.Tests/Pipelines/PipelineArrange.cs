using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Builds;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines;
using Portal.Infrastructure.Pipelines.Webhooks;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>A pipeline a test made, with its webhook's secret in clear, as its maker was shown it once.</summary>
public sealed record TestPipeline(Tenant Tenant, string App, string Name, Guid Id, string Secret);

/// <summary>
/// Pipelines written directly (their application and source too): no repository or cluster is contacted.
/// </summary>
public sealed class PipelineArrange(PortalFactory factory)
{
    public const string BuildOnMain = """
        triggers:
          branches: [main]
          tags: [v*]
        stages:
          - name: build
            kind: build
        """;

    private Arrange Arrange => new(factory);

    /// <summary>
    /// A pipeline of <paramref name="yaml"/> for a new application of a new tenant (or of <paramref name="tenant"/>),
    /// whose source is <paramref name="repositoryUrl"/>'s <c>main</c>, saved at <paramref name="savedAt"/>.
    /// </summary>
    public async Task<TestPipeline> PipelineAsync(
        string yaml = BuildOnMain,
        Tenant? tenant = null,
        string repositoryUrl = "https://git.example.com/shop.git",
        DateTime? savedAt = null
    )
    {
        tenant ??= await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant, Support.Arrange.Unique("env"));
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var applicationId = await db
            .Applications.IgnoreQueryFilters()
            .Where(a => a.TenantId == tenant.Id && a.Name == app)
            .Select(a => a.Id)
            .SingleAsync();
        var now = savedAt ?? DateTime.UtcNow;
        db.AppSources.Add(
            AppSource.Connect(
                tenant.Id,
                applicationId,
                GitSourceAddress.Parse(repositoryUrl, "main", "").Value,
                GitCredentialKind.None,
                "",
                new string('c', 40),
                "",
                now
            )
        );
        var definition = PipelineYaml.Parse(yaml);
        Assert.True(definition.Succeeded, definition.Problem?.Message);
        var secret = scope.ServiceProvider.GetRequiredService<WebhookSecrets>().New();
        var pipeline = Pipeline
            .Create(tenant.Id, applicationId, "main", yaml, definition.Value, secret.Sealed, "test-setup", now)
            .Value;
        db.Pipelines.Add(pipeline);
        await db.SaveChangesAsync();
        return new TestPipeline(tenant, app, pipeline.Name, pipeline.Id, secret.Secret);
    }

    public async Task SuspendAsync(Tenant tenant)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var found = await db.Tenants.SingleAsync(t => t.Id == tenant.Id);
        Assert.True(found.Suspend().Succeeded);
        await db.SaveChangesAsync();
    }

    public Task<List<PipelineRun>> RunsAsync(Guid pipelineId) =>
        Arrange.QueryAsync(db =>
            db.PipelineRuns.IgnoreQueryFilters()
                .Where(r => r.PipelineId == pipelineId)
                .OrderBy(r => r.Number)
                .ToListAsync()
        );

    public Task<List<WebhookDelivery>> DeliveriesAsync(Guid pipelineId) =>
        Arrange.QueryAsync(db =>
            db.WebhookDeliveries.IgnoreQueryFilters().Where(d => d.PipelineId == pipelineId).ToListAsync()
        );

    public Task<int> RefusalsAsync(TestPipeline pipeline) =>
        Arrange.QueryAsync(db =>
            db.AuditEvents.CountAsync(a =>
                a.Action == PipelineAuditActions.WebhookRefused && a.TenantId == pipeline.Tenant.Id
            )
        );

    public static byte[] Payload(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Pipelines", "Payloads", name));

    /// <summary>
    /// A delivery built as GitHub sends it: its User-Agent, event, delivery and hook headers, and both signatures of
    /// the raw body (the legacy SHA-1 one too), from the client address <paramref name="peer"/>.
    /// </summary>
    public static HttpRequestMessage GitHubDelivery(
        Guid pipelineId,
        string secret,
        byte[] body,
        string peer,
        string @event = "push",
        string? deliveryId = null
    )
    {
        var request = Delivery(pipelineId, body, peer);
        request.Headers.UserAgent.ParseAdd("GitHub-Hookshot/044aadd");
        request.Headers.Add("X-GitHub-Event", @event);
        request.Headers.Add("X-GitHub-Delivery", deliveryId ?? Guid.NewGuid().ToString());
        request.Headers.Add("X-GitHub-Hook-ID", "292430182");
        request.Headers.Add("X-GitHub-Hook-Installation-Target-ID", "79929171");
        request.Headers.Add("X-GitHub-Hook-Installation-Target-Type", "repository");
        request.Headers.Add(
            "X-Hub-Signature",
            "sha1=" + Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(secret), body))
        );
        request.Headers.Add(
            "X-Hub-Signature-256",
            "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body))
        );
        return request;
    }

    /// <summary>A delivery built as GitLab sends it: the secret itself as its token.</summary>
    public static HttpRequestMessage GitLabDelivery(
        Guid pipelineId,
        string secret,
        byte[] body,
        string peer,
        string @event = "Push Hook"
    )
    {
        var request = Delivery(pipelineId, body, peer);
        request.Headers.UserAgent.ParseAdd("GitLab/17.6.0");
        request.Headers.Add("X-Gitlab-Event", @event);
        request.Headers.Add("X-Gitlab-Token", secret);
        request.Headers.Add("X-Gitlab-Instance", "https://gitlab.example.com");
        request.Headers.Add("X-Gitlab-Webhook-UUID", Guid.NewGuid().ToString());
        request.Headers.Add("X-Gitlab-Event-UUID", Guid.NewGuid().ToString());
        return request;
    }

    /// <summary>
    /// A delivery built as Gitea sends it: Gitea's, Gogs' and GitHub's headers, signed as Gitea signs.
    /// </summary>
    public static HttpRequestMessage GiteaDelivery(Guid pipelineId, string secret, byte[] body, string peer)
    {
        var request = Delivery(pipelineId, body, peer);
        var id = Guid.NewGuid().ToString();
        var hex = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
        foreach (var prefix in new[] { "X-Gitea", "X-Gogs" })
        {
            request.Headers.Add($"{prefix}-Event", "push");
            request.Headers.Add($"{prefix}-Event-Type", "push");
            request.Headers.Add($"{prefix}-Delivery", id);
            request.Headers.Add($"{prefix}-Signature", hex);
        }
        request.Headers.Add("X-GitHub-Event", "push");
        request.Headers.Add("X-GitHub-Delivery", id);
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + hex);
        return request;
    }

    private static HttpRequestMessage Delivery(Guid pipelineId, byte[] body, string peer)
    {
        var request = new HttpRequestMessage(
            HttpMethod.Post,
            Portal.Web.Pipelines.PipelineRoutes.WebhookUrl(pipelineId)
        )
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(TestPeerAddress.Header, peer);
        return request;
    }
}
