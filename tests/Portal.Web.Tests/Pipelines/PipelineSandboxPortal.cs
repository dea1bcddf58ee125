using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Pipelines.Webhooks;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Tests.Builds;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// A portal that runs pipelines for real: the sandbox cluster and a job server, the embedded registry (Debian's
/// docker-registry) and buildah in folders of their own, and the real Git client reaching
/// <c>https://git.example.com/{name}.git</c> as a repository the test makes with git. Without buildah, the registry,
/// busybox or git, its tests are skipped here and fail under <c>CI=true</c>.
/// </summary>
public abstract class PipelineSandboxPortalOn : SandboxPortalOn
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("portal-pipelines-").FullName;

    public LocalGitHost Git { get; } = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Git.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Whatever buildah's storage kept is left to the temporary folder's own cleanup.
        }
    }

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings)
        {
            ["Portal:Builds:Registry:Embedded"] = "true",
            ["Portal:Builds:Registry:EmbeddedDataDirectory"] = Path.Combine(Folder, "registry"),
            ["Portal:Builds:Buildah:StorageDirectory"] = Path.Combine(Folder, "builds"),
            ["Portal:Builds:Git:AllowedHosts:0"] = SourcesPortal.GitHost,
            ["Portal:Pipelines:RecheckEvery"] = "00:00:02",
        };

    protected override Action<IServiceCollection>? TestServices => services => services.AddSingleton<IGitClient>(Git);

    /// <summary>Why real builds cannot run here (a tool missing), or null.</summary>
    public static string? Missing() =>
        new[] { "/usr/bin/buildah", "/usr/bin/docker-registry", "/bin/busybox", "/usr/bin/git" }.FirstOrDefault(tool =>
            !File.Exists(tool)
        )
            is { } tool
            ? $"Pipelines that build need {tool} (apt-get install buildah docker-registry busybox-static git)."
            : null;

    public static void RequireBuildTools()
    {
        if (Missing() is not { } missing)
            return;
        if (TestDatabases.InCi)
            Assert.Fail(missing);
        Skip.If(true, missing);
    }
}

public sealed class PipelineSandboxPortal : PipelineSandboxPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

/// <summary>The same on PostgreSQL, with Hangfire's PostgreSQL storage: what the benchmark measures.</summary>
public sealed class PostgresPipelineSandboxPortal : PipelineSandboxPortalOn
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

/// <summary>
/// Arranges what a pipeline needs in the sandbox: a tenant with ready environments, an application connected to a
/// repository of busybox images made with git, and a pipeline; and reads runs back.
/// </summary>
public sealed class PipelineWorld(PipelineSandboxPortalOn portal)
{
    public Arrange Arrange => new(portal.Factory);
    public SandboxWorld Sandbox => new(portal.Factory);

    public sealed record Shop(Tenant Tenant, string App, string Repository, TestUser Developer, TestUser Admin);

    /// <summary>
    /// A tenant with the environments, the application "shop-…" from a repository, its developer and admin.
    /// </summary>
    public Task<Shop> ShopAsync(params string[] environments) => ShopInAsync(null, "8", "8Gi", "2", environments);

    /// <summary>
    /// The same in <paramref name="pool"/> (a pool of its own when null), with that quota of CPU and memory and each
    /// environment's share of CPU.
    /// </summary>
    public async Task<Shop> ShopInAsync(
        string? pool,
        string cpu,
        string memory,
        string share,
        params string[] environments
    )
    {
        // A pool of its own has room for 50 pods; a shared one for 25 of each of its tenants.
        var pods = pool is null ? "50" : "25";
        var (tenant, admin, _) = await Sandbox.TenantInPoolAsync(pool ??= await Sandbox.PoolAsync(), cpu, memory, pods);
        foreach (var environment in environments)
            await Sandbox.ReadyEnvironmentAsync(tenant, admin, pool, environment, share);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        var app = Arrange.Unique("shop");
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps",
            new
            {
                name = app,
                description = "The shop",
                owner = "team-shop",
                spec = new
                {
                    image = "nginx:1.27",
                    resources = new
                    {
                        cpuRequestMillis = 100,
                        cpuLimitMillis = 100,
                        memoryRequestBytes = 64L << 20,
                        memoryLimitBytes = 64L << 20,
                    },
                    replicas = 1,
                },
            }
        );
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var repository = Arrange.Unique("shop-repo");
        Commit(repository, "Serve the shop", "true");
        var connected = await api.PutAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps/{app}/source",
            new
            {
                repositoryUrl = LocalGitHost.Url(repository),
                @ref = "main",
                credentialKind = "None",
            }
        );
        Assert.True(connected.IsSuccessStatusCode, await connected.Content.ReadAsStringAsync());
        return new Shop(
            tenant,
            app,
            repository,
            await Arrange.MemberAsync(tenant, TenantRole.Developer),
            await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin)
        );
    }

    /// <summary>
    /// Commits a busybox image whose last build step runs <paramref name="lastStep"/>; answers the commit.
    /// </summary>
    public string Commit(string repository, string subject, string lastStep)
    {
        var folder = Path.Combine(portal.Git.Root, repository + ".git");
        if (!Directory.Exists(folder))
        {
            Directory.CreateDirectory(folder);
            Git(folder, "init", "-q", "-b", "main");
            File.Copy("/bin/busybox", Path.Combine(folder, "busybox"));
        }
        File.WriteAllText(
            Path.Combine(folder, "Dockerfile"),
            "FROM scratch\n"
                + "COPY busybox /bin/busybox\n"
                + "COPY busybox /bin/sh\n"
                + "RUN /bin/busybox --install -s /bin\n"
                + $"RUN {lastStep}\n"
                + "EXPOSE 8080\n"
                + "USER 1000\n"
                + "CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\"]\n"
        );
        Git(folder, "add", ".");
        Git(folder, "-c", "user.name=Ada", "-c", "user.email=ada@shop.example", "commit", "-q", "-m", subject);
        return Git(folder, "rev-parse", "HEAD").Trim();
    }

    /// <summary>Makes branch <paramref name="branch"/> at the repository's head; answers its commit.</summary>
    public string Branch(string repository, string branch)
    {
        var folder = Path.Combine(portal.Git.Root, repository + ".git");
        Git(folder, "branch", "-f", branch);
        return Git(folder, "rev-parse", branch).Trim();
    }

    /// <summary>Saves a pipeline of the application, as its editor would.</summary>
    public async Task<Pipeline> PipelineAsync(Shop shop, string yaml, string name = "main") =>
        (await PipelineWithSecretAsync(shop, yaml, name)).Pipeline;

    /// <summary>The same, with the webhook secret as shown once to the person who made the pipeline.</summary>
    public async Task<(Pipeline Pipeline, string Secret)> PipelineWithSecretAsync(
        Shop shop,
        string yaml,
        string name = "main"
    )
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PortalDbContext>();
        var appId = await db
            .Applications.IgnoreQueryFilters()
            .Where(a => a.TenantId == shop.Tenant.Id && a.Name == shop.App)
            .Select(a => a.Id)
            .SingleAsync();
        var definition = PipelineYaml.Parse(yaml);
        Assert.True(definition.Succeeded, definition.Problem?.Message);
        var secret = scope.ServiceProvider.GetRequiredService<WebhookSecrets>().New();
        var pipeline = Pipeline
            .Create(shop.Tenant.Id, appId, name, yaml, definition.Value, secret.Sealed, "test", DateTime.UtcNow)
            .Value;
        db.Pipelines.Add(pipeline);
        await db.SaveChangesAsync();
        return (pipeline, secret.Secret);
    }

    /// <summary>Runs <paramref name="use"/> with the runs' use cases, in the tenant, as the member.</summary>
    public async Task<T> AsMemberAsync<T>(Shop shop, TestUser member, Func<PipelineRuns, Task<T>> use)
    {
        await using var scope = portal.Factory.Services.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<TenantScope>().Bind(shop.Tenant);
        scope.ServiceProvider.GetRequiredService<CurrentActor>().ActAs(new Actor(member.Id, member.Email, null));
        return await use(scope.ServiceProvider.GetRequiredService<PipelineRuns>());
    }

    public Task<PipelineRun> RunAsync(Shop shop, int number, string pipeline = "main") =>
        Arrange.QueryAsync(db =>
            (
                from r in db.PipelineRuns.IgnoreQueryFilters().AsNoTracking()
                join p in db.Pipelines.IgnoreQueryFilters() on r.PipelineId equals p.Id
                where r.TenantId == shop.Tenant.Id && p.Name == pipeline && r.Number == number
                select r
            ).SingleAsync()
        );

    /// <summary>Waits until the run is as <paramref name="wanted"/> says; on a timeout says where it is.</summary>
    public async Task<PipelineRun> RunUntilAsync(
        Shop shop,
        int number,
        Func<PipelineRun, bool> wanted,
        int seconds = 180
    )
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var run = await RunAsync(shop, number);
            if (wanted(run))
                return run;
            if (DateTime.UtcNow > deadline)
            {
                var log = await Arrange.QueryAsync(db =>
                    db.PipelineRunLogLines.IgnoreQueryFilters()
                        .Where(l => l.RunId == run.Id)
                        .OrderBy(l => l.Sequence)
                        .Select(l => $"[{l.Stage}] {l.Text}")
                        .ToListAsync()
                );
                Assert.Fail(
                    $"Run {number} is {run.State} ({run.Error}; {run.WaitingReason}): "
                        + string.Join(", ", run.Stages.Select(s => $"{s.Name}={s.State} {s.Error}"))
                        + $"\n{string.Join("\n", log)}"
                );
            }
            await Task.Delay(300);
        }
    }

    private static string Git(string folder, params string[] arguments) => LocalGitHost.Git(folder, arguments).Output;
}
