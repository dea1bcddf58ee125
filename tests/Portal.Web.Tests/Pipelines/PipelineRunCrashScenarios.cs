using System.Diagnostics;
using System.Net.Http.Json;
using k8s;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Portal.Domain.Operations;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines;
using Portal.Web.Tests.Support;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// A run survives the portal's death: the portal runs as a process of its own (its own job server), the
/// sandbox cluster as another (so that killing the portal does not lose the cluster), the registry as a third, and
/// the Git host is an HTTPS server of the test's own. The portal is killed with SIGKILL while the run's deploy stage
/// follows its rollout, and started again on the same database.
/// </summary>
public sealed class PipelineRunCrashScenarios(ITestOutputHelper output)
{
    private const string Stage = "deploy-dev";

    private const string BuildThenDeploy = """
        stages:
          - name: build
            kind: build
          - name: deploy-dev
            kind: deploy
            environment: dev
        """;

    /// <remarks>
    /// On SQLite the portal keeps its jobs in memory: the restarted portal's sweepers find the lost run and operation.
    /// On PostgreSQL the jobs outlive the process, and the interrupted one is taken up again after its invisibility
    /// timeout.
    /// </remarks>
    [SkippableTheory]
    [InlineData(DatabaseKind.Sqlite)]
    [InlineData(DatabaseKind.Postgres)]
    public async Task A_portal_killed_during_a_deploy_stage_finishes_the_run_after_restart_with_one_revision(
        DatabaseKind kind
    )
    {
        RequireTools();
        RequireDatabase(kind);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        var clock = Stopwatch.StartNew();
        void Note(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds, 6:F1} s  {what}");
        var folder = Directory.CreateTempSubdirectory("portal-crash-").FullName;
        EmbeddedRegistryProcess? registry = null;
        HttpsGitHost? git = null;
        ChildProcess? sandbox = null;
        PortalProcess? portal = null;
        PortalDatabase? database = null;
        try
        {
            var started = await EmbeddedRegistryProcess.StartAsync(
                new EmbeddedRegistrySettings(Path.Combine(folder, "registry")),
                NullLogger.Instance,
                ct
            );
            Assert.True(started.Succeeded, started.Problem?.Message);
            registry = started.Value;
            git = await HttpsGitHost.StartAsync(folder);
            var commit = Repository(folder, git.Root);
            var kubeconfig = Path.Combine(folder, "sandbox.yaml");
            sandbox = await ProcessWorld.StartSandboxAsync(kubeconfig, ct);
            database = PortalDatabase.For(kind, folder);
            var settings = Settings(folder, database, registry);

            portal = await PortalProcess.StartAsync(settings, git.CaBundle, ct);
            await portal.SignInAsync(ct);
            using (var api = await portal.AdminApiAsync(ct))
            {
                await ProcessWorld.RegisterClusterAsync(api, await File.ReadAllTextAsync(kubeconfig, ct), ct);
                await ProcessWorld.ArrangeShopAsync(api, database, ProcessWorld.ShopSpec(), ct);
                await ConnectSourceAsync(api, git.Url(ProcessWorld.App), ct);
            }
            var runId = await QueueRunAsync(database, commit, ct);
            Note("portal arranged (cluster, pool, tenant, quota, dev ready, app, source); run 1 queued");

            var deploying = await UntilAsync(
                database,
                runId,
                async (db, run) =>
                    run.IsFinished
                    || run.Stage(Stage)?.OperationId is { } id
                        && await db
                            .Operations.IgnoreQueryFilters()
                            .AnyAsync(o => o.Id == id && o.State == OperationState.Running, ct)
                        && (await db.Operations.IgnoreQueryFilters().SingleAsync(o => o.Id == id, ct)).Steps.Any(s =>
                            s.Name == "deployment"
                        ),
                portal,
                TimeSpan.FromMinutes(3),
                ct
            );
            Assert.False(
                deploying.IsFinished,
                $"The run ended before its deploy could be interrupted: {Describe(deploying)}"
            );
            var operationId = deploying.Stage(Stage)!.OperationId!.Value;

            var pid = portal.Id;
            var killedAt = DateTime.UtcNow;
            portal.Kill();
            Note($"portal {pid} killed (SIGKILL) while {Describe(deploying)}");
            Assert.False(Process.GetProcesses().Any(p => p.Id == pid), "The portal outlived SIGKILL.");
            await using (var db = database.Open())
            {
                var interrupted = await db
                    .Operations.IgnoreQueryFilters()
                    .AsNoTracking()
                    .SingleAsync(o => o.Id == operationId, ct);
                Assert.Equal(OperationState.Running, interrupted.State);
            }
            output.WriteLine($"--- the killed portal's last lines:\n{portal.Tail(40)}");
            portal.Dispose();

            portal = await PortalProcess.StartAsync(settings, git.CaBundle, ct);
            Note($"portal started again as {portal.Id}");
            var done = await UntilAsync(
                database,
                runId,
                (_, run) => Task.FromResult(run.IsFinished),
                portal,
                TimeSpan.FromMinutes(3),
                ct
            );

            Note($"run finished: {Describe(done)}");
            Assert.True(done.State == RunState.Succeeded, Describe(done));
            Assert.Equal(operationId, done.Stage(Stage)!.OperationId);
            await using (var db = database.Open())
            {
                Assert.Equal(1, await db.Revisions.IgnoreQueryFilters().CountAsync(r => r.Environment == "dev", ct));
                Assert.Equal(
                    [operationId],
                    await db
                        .PipelineRunChildren.IgnoreQueryFilters()
                        .Where(c => c.RunId == runId && c.Stage == Stage)
                        .Select(c => c.OperationId)
                        .ToListAsync(ct)
                );
                Assert.Equal(
                    1,
                    await db
                        .Operations.IgnoreQueryFilters()
                        .CountAsync(o => o.Kind == OperationKinds.ApplicationDeploy, ct)
                );
                // The interrupted operation itself was taken up after the restart and followed its rollout to the end:
                // run again when the kill came during its steps, or looked at by its next look when it came while the
                // operation waited for its rollout (a look is not a new attempt).
                var resumed = await db
                    .Operations.IgnoreQueryFilters()
                    .AsNoTracking()
                    .SingleAsync(o => o.Id == operationId, ct);
                Assert.Equal(OperationState.Succeeded, resumed.State);
                Assert.True(
                    resumed.FinishedAt > killedAt,
                    $"The deploy ended at {resumed.FinishedAt:O}, before the kill at {killedAt:O}."
                );
                Assert.True(resumed.Steps.Single(st => st.Name == "rollout").FinishedAt > killedAt);
                Note($"deploy: {string.Join(", ", resumed.Steps.Select(st => st.Name))}; {resumed.Attempts} attempts");
            }
            using var cluster = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            await SandboxWorld.EventuallyAsync(
                async () =>
                    (
                        await cluster.CoreV1.ListNamespacedPodAsync(ProcessWorld.DevNamespace, cancellationToken: ct)
                    ).Items.Any(p => p.Status?.Phase == "Running" && p.Spec.Containers.Any(c => c.Image == done.Image)),
                $"a pod of the run's image ({done.Image}) running in {ProcessWorld.DevNamespace}",
                60
            );
        }
        finally
        {
            if (portal is not null)
                output.WriteLine($"--- the portal's last lines:\n{portal.Tail(40)}");
            portal?.Dispose();
            sandbox?.Dispose();
            if (git is not null)
                await git.DisposeAsync();
            if (registry is not null)
                await registry.DisposeAsync();
            if (database is not null)
                await database.DropAsync();
            DeleteQuietly(folder);
        }
    }

    /// <summary>
    /// The portal's settings: the database, no embedded sandbox, a registry of the test's own, Git hosts on
    /// loopback allowed, and leases short enough that a restart finds the lost run and operation within a minute.
    /// </summary>
    private static Dictionary<string, string> Settings(
        string folder,
        PortalDatabase database,
        EmbeddedRegistryProcess registry
    )
    {
        var endpoint = registry.Endpoint;
        return new Dictionary<string, string>
        {
            ["ConnectionStrings:Portal"] = database.ConnectionString,
            ["Portal:Database:Provider"] = database.Provider.ToString(),
            ["Portal:Sandbox:Enabled"] = "false",
            ["Portal:Jobs:RunServer"] = "true",
            ["Portal:Builds:InstallTools"] = "false",
            ["Portal:Builds:BaseImages:Source"] = "Public",
            ["Portal:Builds:Registry:Embedded"] = "false",
            ["Portal:Builds:Registry:Url"] = endpoint.BaseAddress.GetLeftPart(UriPartial.Authority),
            ["Portal:Builds:Registry:User"] = endpoint.User!,
            ["Portal:Builds:Registry:Password"] = endpoint.Password!,
            ["Portal:Builds:Registry:PullUser"] = registry.PullAccess.User,
            ["Portal:Builds:Registry:PullPassword"] = registry.PullAccess.Password,
            ["Portal:Builds:Buildah:StorageDirectory"] = Path.Combine(folder, "buildah"),
            ["Portal:Builds:Git:AllowedHosts:0"] = "127.0.0.1",
            ["Portal:Pipelines:RecheckEvery"] = "00:00:01",
            ["Portal:Pipelines:LostAfter"] = "00:00:05",
            ["Portal:Applications:RolloutTimeout"] = "00:00:15",
            ["Portal:Operations:QueuedFor"] = "00:00:10",
            ["Portal:Operations:StalledAfter"] = "00:00:20",
            ["Portal:Jobs:InvisibilityTimeout"] = "00:00:25",
        };
    }

    /// <summary>
    /// The shop's source; the portal's real Git client checks the connection: git ls-remote over HTTPS, the certificate
    /// verified.
    /// </summary>
    private static Task ConnectSourceAsync(HttpClient api, string repositoryUrl, CancellationToken ct) =>
        ProcessWorld.SucceedsAsync(
            api.PutAsJsonAsync(
                $"/api/v1/tenants/{ProcessWorld.Tenant}/apps/{ProcessWorld.App}/source",
                new
                {
                    repositoryUrl,
                    @ref = "main",
                    credentialKind = "None",
                },
                ct
            )
        );

    /// <summary>
    /// The pipeline build → deploy dev, and a run of it started by hand, written with the domain's own factories (the
    /// portal has no pipelines API yet); the portal's run sweeper hands the queued run to its dispatcher.
    /// </summary>
    private static async Task<Guid> QueueRunAsync(PortalDatabase database, string commit, CancellationToken ct)
    {
        await using var db = database.Open();
        var tenant = await db.Tenants.SingleAsync(t => t.Slug == ProcessWorld.Tenant, ct);
        var appId = await db
            .Applications.IgnoreQueryFilters()
            .Where(a => a.TenantId == tenant.Id && a.Name == ProcessWorld.App)
            .Select(a => a.Id)
            .SingleAsync(ct);
        var definition = PipelineYaml.Parse(BuildThenDeploy);
        Assert.True(definition.Succeeded, definition.Problem?.Message);
        var now = DateTime.UtcNow;
        // No webhook delivery reaches this pipeline, so its webhook secret is never opened.
        var pipeline = Pipeline
            .Create(tenant.Id, appId, "main", BuildThenDeploy, definition.Value, "not-sealed", "crash test", now)
            .Value;
        db.Pipelines.Add(pipeline);
        var run = PipelineRun.Queue(
            tenant.Id,
            pipeline.Id,
            appId,
            0,
            BuildThenDeploy,
            definition.Value,
            new RunTrigger(TriggerKind.Manual, "main", commit, PortalProcess.AdminEmail),
            now
        );
        db.PipelineRuns.Add(run);
        await db.SaveChangesAsync(ct);
        return run.Id;
    }

    private static async Task<PipelineRun> UntilAsync(
        PortalDatabase database,
        Guid runId,
        Func<PortalDbContext, PipelineRun, Task<bool>> wanted,
        PortalProcess portal,
        TimeSpan within,
        CancellationToken ct
    )
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            await using (var db = database.Open())
            {
                var run = await db.PipelineRuns.IgnoreQueryFilters().AsNoTracking().SingleAsync(r => r.Id == runId, ct);
                if (await wanted(db, run))
                    return run;
                if (deadline.Elapsed > within)
                {
                    var log = await db
                        .PipelineRunLogLines.IgnoreQueryFilters()
                        .Where(l => l.RunId == runId)
                        .OrderBy(l => l.Sequence)
                        .Select(l => $"[{l.Stage}] {l.Text}")
                        .ToListAsync(ct);
                    Assert.Fail($"{Describe(run)}\n{string.Join('\n', log)}\n--- portal:\n{portal.Tail()}");
                }
            }
            await Task.Delay(250, ct);
        }
    }

    private static string Describe(PipelineRun run) =>
        $"Run {run.Number} is {run.State} ({run.Error}; {run.WaitingReason}): "
        + string.Join(", ", run.Stages.Select(s => $"{s.Name}={s.State} {s.Error}"));

    internal static void RequireDatabase(DatabaseKind kind)
    {
        if (kind != DatabaseKind.Postgres || TestDatabases.PostgresServer is not null)
            return;
        const string missing = "PORTAL_TEST_POSTGRES names no PostgreSQL server.";
        if (TestDatabases.InCi)
            Assert.Fail(missing);
        Skip.If(true, missing);
    }

    /// <summary>A repository of a busybox image with one commit on main, served bare by the Git host.</summary>
    private static string Repository(string folder, string served)
    {
        var work = Directory.CreateDirectory(Path.Combine(folder, "work")).FullName;
        Git(work, "init", "-q", "-b", "main");
        File.Copy("/bin/busybox", Path.Combine(work, "busybox"));
        File.WriteAllText(
            Path.Combine(work, "Dockerfile"),
            "FROM scratch\n"
                + "COPY busybox /bin/busybox\n"
                + "COPY busybox /bin/sh\n"
                + "RUN /bin/busybox --install -s /bin\n"
                + "EXPOSE 8080\n"
                + "USER 1000\n"
                + "CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\"]\n"
        );
        Git(work, "add", ".");
        Git(work, "-c", "user.name=Ada", "-c", "user.email=ada@shop.example", "commit", "-q", "-m", "Serve the shop");
        Git(folder, "clone", "-q", "--bare", work, Path.Combine(served, ProcessWorld.App + ".git"));
        return Git(work, "rev-parse", "HEAD").Trim();
    }

    private static string Git(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)}: {errors}");
        return output;
    }

    /// <summary>
    /// Besides buildah, the registry, busybox and git: unshare and mount, to show the portal the Git host's authority
    /// as one of the machine's, and Debian's bundle of them.
    /// </summary>
    private static void RequireTools()
    {
        var missing = PipelineSandboxPortal.Missing()
            ?? new[] { "/usr/bin/unshare", "/usr/bin/mount", HttpsGitHost.SystemBundle }
                .Where(path => !File.Exists(path))
                .Select(path =>
                    $"The crash test needs {path} (apt-get install util-linux mount ca-certificates) and root."
                )
                .FirstOrDefault()
            ?? (Environment.UserName == "root" ? null : "The crash test runs the portal in a mount namespace: root.");
        if (missing is null)
            return;
        if (TestDatabases.InCi)
            Assert.Fail(missing);
        Skip.If(true, missing);
    }

    internal static void DeleteQuietly(string folder)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Thread.Sleep(500);
            }
        }
    }
}
