using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Web.Tests.Pipelines;
using Portal.Web.Tests.Support;
using static Portal.Benchmarks.Report;

namespace Portal.Benchmarks;

/// <summary>
/// `-- --pipelines`: pipelines run by the portal's own jobs (issue 15) — from a signed GitHub webhook delivery to the
/// run's first stage started (20 deliveries), and 50 runs of 10 tenants queued at once and drained by the run slots
/// (2 per tenant) and the build slots (2 in all, 1 per tenant), each run building its commit for real with buildah and
/// deploying it to the sandbox. The portal runs in the pipeline tests' host (<see cref="PipelineSandboxPortalOn"/>),
/// on PostgreSQL when <c>PORTAL_TEST_POSTGRES</c> is set (with Hangfire's PostgreSQL storage), else on SQLite.
/// </summary>
internal static class PipelinesBenchmark
{
    private const int Deliveries = 20;
    private const int Tenants = 10;
    private const int RunsPerTenant = 5;

    private const string BuildAndDeploy = """
        triggers:
          branches: [main]
        stages:
          - name: build
            kind: build
          - name: deploy-dev
            kind: deploy
            environment: dev
        """;

    public static async Task<int> RunAsync(string root, CancellationToken ct)
    {
        System.Globalization.CultureInfo.CurrentCulture = System.Globalization.CultureInfo.InvariantCulture;
        if (PipelineSandboxPortalOn.Missing() is { } missing)
        {
            Console.Error.WriteLine(missing);
            return 2;
        }
        var clock = Stopwatch.StartNew();
        void Progress(string what) =>
            Console.Error.WriteLine(Invariant($"[{clock.Elapsed.TotalSeconds, 6:F1}s] {what}"));
        var onPostgres = TestDatabases.PostgresServer is not null;
        // The test host finds the portal's content root from a test run's layout; a benchmark names it.
        Environment.SetEnvironmentVariable(
            "ASPNETCORE_TEST_CONTENTROOT_PORTAL_WEB",
            Path.Combine(root, "src", "Portal.Web")
        );
        PipelineSandboxPortalOn portal = onPostgres ? new PostgresPipelineSandboxPortal() : new PipelineSandboxPortal();
        var report = new Report();
        report.Line(Invariant($"# Pipelines benchmark — {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
        report.Line();
        report.Line(
            "`dotnet run -c Release --project benchmarks/Portal.Benchmarks -- --pipelines` — the portal "
                + "(`src/Portal.Web` in the pipeline tests' host, `PipelineSandboxPortalOn`) with its embedded "
                + "sandbox, Hangfire job server (10 workers, scheduled jobs polled every 2 s), the embedded registry "
                + "(Debian's docker-registry) and buildah; repositories made with git and fetched by the real Git "
                + (
                    "client; on "
                    + Invariant(
                        $"{(onPostgres ? "PostgreSQL (Hangfire on PostgreSQL)" : "SQLite (Hangfire in memory)")}."
                    )
                )
        );
        report.Heading("## Machine");
        report.Lines(Machine.Describe());
        Progress($"starting the portal on {(onPostgres ? "PostgreSQL" : "SQLite")}");
        await portal.InitializeAsync();
        try
        {
            var world = new PipelineWorld(portal);
            Progress("arranging 10 tenants in one pool, each with dev, an application, a repository and a pipeline");
            var pool = await world.Sandbox.PoolAsync();
            var shops = new List<(PipelineWorld.Shop Shop, string Secret, Guid Pipeline)>();
            for (var i = 0; i < Tenants; i++)
            {
                var shop = await world.ShopInAsync(pool, "2", "3Gi", "1", "dev");
                var (pipeline, secret) = await world.PipelineWithSecretAsync(shop, BuildAndDeploy);
                shops.Add((shop, secret, pipeline.Id));
            }
            await FairDrainAsync(world, shops, report, Progress, ct);
            await WebhookToFirstStageAsync(portal, world, shops[0], report, Progress, ct);
        }
        finally
        {
            Progress("stopping the portal");
            await portal.DisposeAsync();
        }
        var path = Path.Combine(root, "benchmarks", "results", $"{DateTime.UtcNow:yyyy-MM-dd}-pipelines.md");
        await File.WriteAllTextAsync(path, report.ToString(), ct);
        Progress($"report written to {path}");
        return 0;
    }

    /// <summary>
    /// Each delivery is a new commit pushed to main, sent as GitHub sends it (its headers, its JSON, the HMAC-SHA256 of
    /// the body): timed from the POST to the run's build stage Running, as the database says. Each run is then
    /// cancelled, so that the next delivery's run does not queue behind it.
    /// </summary>
    private static async Task WebhookToFirstStageAsync(
        PipelineSandboxPortalOn portal,
        PipelineWorld world,
        (PipelineWorld.Shop Shop, string Secret, Guid Pipeline) target,
        Report report,
        Action<string> progress,
        CancellationToken ct
    )
    {
        progress($"{Deliveries} webhook deliveries");
        var shop = target.Shop;
        using var client = portal.Factory.CreateClient();
        var answer = new Samples("delivery answered (202)");
        var firstStage = new Samples("delivery → build stage running");
        for (var i = 1; i <= Deliveries; i++)
        {
            var sha = world.Commit(shop.Repository, $"Change {i}", $"echo change {i}");
            var body = System.Text.Json.JsonSerializer.Serialize(
                new
                {
                    @ref = "refs/heads/main",
                    before = new string('0', 40),
                    after = sha,
                    created = false,
                    deleted = false,
                    forced = false,
                    repository = new { full_name = "acme/shop", clone_url = "https://git.example.com/shop.git" },
                    pusher = new { name = "ada", email = "ada@shop.example" },
                    head_commit = new
                    {
                        id = sha,
                        message = $"Change {i}",
                        author = new { name = "Ada", email = "ada@shop.example" },
                    },
                }
            );
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/hooks/pipelines/{target.Pipeline}")
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("X-GitHub-Event", "push");
            var delivery = Guid.NewGuid().ToString();
            request.Headers.Add("X-GitHub-Delivery", delivery);
            request.Headers.Add("User-Agent", "GitHub-Hookshot/bench");
            request.Headers.Add(
                "X-Hub-Signature-256",
                "sha256="
                    + Convert
                        .ToHexString(
                            HMACSHA256.HashData(Encoding.UTF8.GetBytes(target.Secret), Encoding.UTF8.GetBytes(body))
                        )
                        .ToLowerInvariant()
            );
            var clock = Stopwatch.StartNew();
            using var response = await client.SendAsync(request, ct);
            answer.Add(clock.Elapsed.TotalMilliseconds);
            if (response.StatusCode != HttpStatusCode.Accepted)
                throw new InvalidOperationException(
                    $"Delivery {i} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}"
                );
            var number = await world.Arrange.QueryAsync(db =>
                db.PipelineRuns.IgnoreQueryFilters()
                    .Where(r => r.PipelineId == target.Pipeline && r.Trigger.DeliveryId == delivery)
                    .Select(r => r.Number)
                    .SingleAsync(ct)
            );
            var run = await world.RunUntilAsync(
                shop,
                number,
                r => r.Stage("build")!.State != StageState.Pending || r.IsFinished,
                120
            );
            firstStage.Add(clock.Elapsed.TotalMilliseconds);
            if (run.Stage("build")!.State != StageState.Running)
                throw new InvalidOperationException($"Run {number} did not start its build: {run.State} {run.Error}");
            await world.AsMemberAsync(shop, shop.Developer, runs => runs.CancelAsync(shop.App, "main", number, ct));
            await world.RunUntilAsync(shop, number, r => r.IsFinished, 60);
        }
        report.Heading(
            Invariant($"## 2. From a webhook delivery to the run's first stage started ({Deliveries} deliveries)")
        );
        report.Line(
            "Each delivery a new commit on main, POSTed to `/hooks/pipelines/{id}` exactly as GitHub sends a push "
                + "(`X-GitHub-Event`, `X-GitHub-Delivery`, `X-Hub-Signature-256` over the raw body); timed until the "
                + "run's build stage is Running in the database (polled every 300 ms, so "
                + "figures are up to 0.3 s high). "
                + "The path: the delivery checked and saved with its run, the dispatcher job admits the run, the run's "
                + "job starts the build stage and queues its build."
        );
        report.Line();
        report.Line(Samples.Header);
        report.Line(Samples.Rule);
        report.Line(answer.Row);
        report.Line(firstStage.Row);
    }

    /// <summary>
    /// 5 runs of each of 10 tenants (5 branches of its repository), started in one go: the run slots (2 per tenant)
    /// and the build slots (2 in all, 1 per tenant) drain them; each run builds its branch's commit and deploys it to
    /// dev. Reported: the time to drain, the admission order by tenant, and how evenly tenants were served.
    /// </summary>
    private static async Task FairDrainAsync(
        PipelineWorld world,
        List<(PipelineWorld.Shop Shop, string Secret, Guid Pipeline)> shops,
        Report report,
        Action<string> progress,
        CancellationToken ct
    )
    {
        progress($"{Tenants * RunsPerTenant} runs of {Tenants} tenants at once");
        var started = new List<(int Tenant, int Number)>();
        var clock = Stopwatch.StartNew();
        var startedAt = DateTime.UtcNow;
        for (var r = 0; r < RunsPerTenant; r++)
        {
            for (var t = 0; t < Tenants; t++)
            {
                var shop = shops[t].Shop;
                var branch = $"b{r}";
                var sha = world.Branch(shop.Repository, branch);
                var run = await world.AsMemberAsync(shop, shop.Developer, runs =>
                    runs.StartAsync(
                        new StartRun(shop.App, "main", new RunTrigger(TriggerKind.Manual, branch, sha, "bench")),
                        ct
                    )
                );
                if (!run.Succeeded)
                    throw new InvalidOperationException(run.Problem!.Message);
                started.Add((t, run.Value.Number));
            }
        }
        var queuedIn = clock.Elapsed;
        var ended = new List<(int Tenant, PipelineRun Run)>();
        foreach (var (tenant, number) in started)
            ended.Add((tenant, await world.RunUntilAsync(shops[tenant].Shop, number, r => r.IsFinished, 900)));
        var drained = ended.Max(e => e.Run.FinishedAt!.Value) - startedAt;
        var succeeded = ended.Count(e => e.Run.State == RunState.Succeeded);
        report.Heading(Invariant($"## 1. {Tenants * RunsPerTenant} runs of {Tenants} tenants, drained"));
        report.Line(
            Invariant($"{RunsPerTenant} runs per tenant (one per branch, build → deploy dev), started in one go in ")
                + Invariant($"{queuedIn.TotalSeconds:F1} s: **{succeeded} of {ended.Count} succeeded**, all done ")
                + Invariant($"**{drained.TotalSeconds:F0} s** after the first was started. Run slots: 2 per tenant; ")
                + "builds: 2 at once in all, 1 per tenant."
        );
        var admissions = ended.OrderBy(e => e.Run.StartedAt).Select(e => e.Tenant).ToList();
        report.Line();
        report.Line(
            "Order in which runs were admitted (tenant index, in tens): "
                + string.Join(
                    " | ",
                    admissions.Chunk(Tenants).Select(chunk => string.Join(" ", chunk.Select(t => t.ToString())))
                )
        );
        report.Line();
        report.Line("| tenant | first admitted after s | last finished after s | mean run s | failed |");
        report.Line("|---:|---:|---:|---:|---:|");
        var finishes = new List<double>();
        for (var t = 0; t < Tenants; t++)
        {
            var runs = ended.Where(e => e.Tenant == t).Select(e => e.Run).ToList();
            var last = (runs.Max(r => r.FinishedAt!.Value) - startedAt).TotalSeconds;
            finishes.Add(last);
            report.Line(
                Invariant(
                    $"| {t} | {(runs.Min(r => r.StartedAt ?? r.FinishedAt!.Value) - startedAt).TotalSeconds:F1} | "
                )
                    + Invariant($"{last:F1} | ")
                    + Invariant($"{runs.Average(r => (r.FinishedAt!.Value - r.CreatedAt).TotalSeconds):F1} | ")
                    + Invariant($"{runs.Count(r => r.State != RunState.Succeeded)} |")
            );
        }
        var jain = Math.Pow(finishes.Sum(), 2) / (finishes.Count * finishes.Sum(f => f * f));
        var thirds = ended
            .Where(e => ended.Count(o => o.Tenant == e.Tenant && o.Run.StartedAt < e.Run.StartedAt) == 2)
            .Min(e => e.Run.StartedAt);
        var firsts = ended.GroupBy(e => e.Tenant).Max(g => g.Min(e => e.Run.StartedAt));
        report.Line();
        report.Line(
            Invariant($"Jain's fairness index of the tenants' finishing times: **{jain:F3}** (1 = every tenant ")
                + "served alike). "
                + (
                    firsts <= thirds
                        ? "Every tenant's first run was admitted before any tenant's third."
                        : "**A tenant's third run was admitted before another tenant's first.**"
                )
        );
    }
}
