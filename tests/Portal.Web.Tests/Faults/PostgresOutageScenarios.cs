using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Portal.Domain.Operations;
using Portal.Infrastructure.Persistence;
using Portal.Web.Common;
using Portal.Web.Environments;
using Portal.Web.Tests.Pipelines;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Faults;

/// <summary>
/// The portal's PostgreSQL server restarts under load: a real portal process (its own job server, the embedded sandbox
/// cluster) on a server of the test's own, browsers, API clients and a hub client at work, operations being started,
/// and the server stopped for ten seconds then started again.
/// </summary>
public sealed class PostgresOutageScenarios(ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    [SkippableFact]
    public async Task A_database_restart_under_load_is_answered_503_with_retry_after_and_loses_no_accepted_operation()
    {
        ThrowawayPostgres.Require();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var clock = Stopwatch.StartNew();
        void Note(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds, 6:F1} s  {what}");
        await using var server = await ThrowawayPostgres.StartAsync(ct);
        var database = new PortalDatabase(DatabaseProvider.Postgres, server.ConnectionString("portal_outage"));
        PortalProcess? portal = null;
        try
        {
            portal = await PortalProcess.StartAsync(Settings(database), trustedCaBundle: null, ct);
            var pid = portal.Id;
            await portal.SignInAsync(ct);
            using var api = await portal.AdminApiAsync(ct);
            api.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            await ProcessWorld.ArrangeShopAsync(api, database, ProcessWorld.ShopSpec(), ct);
            await ProcessWorld.DeployShopAsync(api, database, "before the outage", ct);
            Note($"portal {pid} on PostgreSQL :{server.Port}; the shop running in {ProcessWorld.DevNamespace}");

            await using var hub = await FollowOperationsAsync(portal, api, ct);
            var hubClosed = false;
            hub.Closed += _ =>
            {
                hubClosed = true;
                return Task.CompletedTask;
            };

            var load = new Load(portal.Client, api, clock);
            using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var loops = load.RunAsync(stopLoad.Token);
            await Task.Delay(TimeSpan.FromSeconds(5), ct);

            var down = clock.Elapsed;
            await server.StopAsync(ct);
            Note("PostgreSQL stopped (fast shutdown)");
            await Task.Delay(TimeSpan.FromSeconds(3), ct);
            var duringOutage = await Assert.ThrowsAsync<HubException>(() =>
                hub.InvokeAsync<JsonElement>("Follow", ProcessWorld.Tenant, ct)
            );
            await Task.Delay(Outage - TimeSpan.FromSeconds(3), ct);
            await server.StartAgainAsync(ct);
            var up = clock.Elapsed;
            Note($"PostgreSQL started again after {(up - down).TotalSeconds:F1} s");
            // The test's own reads of the database beside the portal would meet their pool's dead connections first.
            NpgsqlConnection.ClearAllPools();

            await Task.Delay(TimeSpan.FromSeconds(20), ct);
            await stopLoad.CancelAsync();
            await loops;
            var afterOutage = await hub.InvokeAsync<JsonElement>("Follow", ProcessWorld.Tenant, ct);
            Note($"load stopped: {load.Answers.Count} requests");

            var accepted = load.Accepted.ToList();
            var ended = await OperationsEndedAsync(database, accepted, portal, TimeSpan.FromSeconds(100), ct);
            Note($"{ended.Count(o => o.IsFinished)} of {accepted.Count} accepted operations ended");

            var answers = load.Answers.ToList();
            var during = answers.Where(a => a.At >= down && a.At <= up).ToList();
            var unanswered = answers.Where(a => a.Status is null).ToList();
            var serverErrors = answers.Where(a => a.Status >= 500 && a.What != Load.Health).ToList();
            var bad503 = serverErrors.Where(a => !a.IsOutageAnswer).ToList();
            output.WriteLine(
                $"requests: {answers.Count} in all, {during.Count} during the outage; "
                    + $"503 with Retry-After: {serverErrors.Count(a => a.IsOutageAnswer)}; other 5xx: {bad503.Count}; "
                    + $"unanswered: {unanswered.Count}"
            );
            foreach (var kind in answers.GroupBy(a => a.What))
                output.WriteLine(
                    $"  {kind.Key}: "
                        + string.Join(
                            ", ",
                            kind.GroupBy(a => a.Status?.ToString() ?? "none").Select(s => $"{s.Key}×{s.Count()}")
                        )
                );
            var lost = ended.Where(o => !o.IsFinished).ToList();
            output.WriteLine(
                $"operations: {accepted.Count} accepted, {ended.Count(o => o.State == OperationState.Succeeded)} "
                    + $"succeeded, {ended.Count(o => o.State == OperationState.Failed)} failed, {lost.Count} lost; "
                    + $"{ended.Count(o => o.Attempts > 1)} interrupted and run again"
            );
            var log = portal.Tail(int.MaxValue);
            var outageWarnings = Regex.Count(log, "requests that need it are answered 503");
            output.WriteLine(
                $"portal log: {outageWarnings} outage warning(s), {Regex.Count(log, "(?m)^fail: ")} error entries"
            );

            Assert.True(
                bad503.Count == 0 && unanswered.Count == 0,
                "Answers other than a success, a refusal or 503 with Retry-After:\n"
                    + string.Join('\n', bad503.Concat(unanswered).Take(10).Select(a => a.ToString()))
                    + $"\n--- portal:\n{portal.Tail(60)}"
            );
            Assert.Contains(during, a => a.IsOutageAnswer && a.What == Load.Page);
            Assert.Contains(during, a => a.IsOutageAnswer && a.What == Load.ApiRead);
            Assert.Contains(during, a => a.What == Load.Health && a.Status == 503);
            Assert.Contains(DatabaseOutageAnswers.Detail, duringOutage.Message, StringComparison.Ordinal);
            Assert.Equal(1, outageWarnings);

            // Recovered without a restart: the same process, every kind of request answered again, the hub still open.
            Assert.Equal(pid, portal.Id);
            Assert.False(Process.GetProcessById(pid).HasExited);
            var lastSeconds = answers.Where(a => a.At > up + TimeSpan.FromSeconds(10)).ToList();
            foreach (var kind in new[] { Load.Page, Load.ApiRead, Load.Health, Load.OperationStart })
                Assert.Contains(lastSeconds, a => a.What == kind && a.Status is >= 200 and < 300);
            Assert.DoesNotContain(lastSeconds, a => a.Status >= 500);
            Assert.Equal(JsonValueKind.Array, afterOutage.ValueKind);
            Assert.False(hubClosed, "The hub connection was closed by the outage.");

            // Nothing accepted lost, some accepted on either side of the outage, nothing applied twice.
            Assert.Contains(accepted, a => a.At < down);
            Assert.Contains(accepted, a => a.At > up);
            Assert.True(lost.Count == 0, $"Lost: {string.Join(", ", lost.Select(o => $"{o.Id} {o.State}"))}");
            await using var db = database.Open();
            var deploys = await db
                .Operations.IgnoreQueryFilters()
                .CountAsync(o => o.Kind == OperationKinds.ApplicationDeploy, ct);
            var revisions = await db
                .Revisions.IgnoreQueryFilters()
                .Where(r => r.Environment == "dev")
                .Select(r => r.Number)
                .ToListAsync(ct);
            Assert.Equal(deploys, revisions.Count);
            Assert.Equal(revisions.Count, revisions.Distinct().Count());
            Note($"{deploys} deploys, {revisions.Count} revisions");
        }
        finally
        {
            if (portal is not null)
                output.WriteLine($"--- the portal's last lines:\n{portal.Tail(40)}");
            portal?.Dispose();
        }
    }

    private static Dictionary<string, string> Settings(PortalDatabase database) =>
        new()
        {
            ["ConnectionStrings:Portal"] = database.ConnectionString,
            ["Portal:Database:Provider"] = database.Provider.ToString(),
            ["Portal:Sandbox:Enabled"] = "true",
            ["Portal:Jobs:RunServer"] = "true",
            ["Portal:Builds:InstallTools"] = "false",
            ["Portal:Builds:BaseImages:Source"] = "Public",
            ["Portal:Builds:Registry:Embedded"] = "false",
        };

    /// <summary>The hub client of the operations page, following the tenant, with the API client's token.</summary>
    private static async Task<HubConnection> FollowOperationsAsync(
        PortalProcess portal,
        HttpClient api,
        CancellationToken ct
    )
    {
        var token = api.DefaultRequestHeaders.Authorization!.Parameter!;
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(portal.Client.BaseAddress!, OperationsHub.Path), options =>
                options.AccessTokenProvider = () => Task.FromResult<string?>(token)
            )
            .Build();
        await hub.StartAsync(ct);
        await hub.InvokeAsync<JsonElement>("Follow", ProcessWorld.Tenant, ct);
        return hub;
    }

    private static async Task<List<Operation>> OperationsEndedAsync(
        PortalDatabase database,
        IReadOnlyList<Load.Started> accepted,
        PortalProcess portal,
        TimeSpan within,
        CancellationToken ct
    )
    {
        var ids = accepted.Select(a => a.Operation).ToList();
        var waited = Stopwatch.StartNew();
        while (true)
        {
            List<Operation> operations;
            await using (var db = database.Open())
            {
                operations = await db
                    .Operations.IgnoreQueryFilters()
                    .AsNoTracking()
                    .Where(o => ids.Contains(o.Id))
                    .ToListAsync(ct);
            }
            Assert.True(
                operations.Count == ids.Count,
                $"{ids.Count - operations.Count} accepted operation(s) are not in the database."
            );
            if (operations.All(o => o.IsFinished) || waited.Elapsed > within)
                return operations;
            await Task.Delay(500, ct);
        }
    }

    /// <summary>
    /// Clients at work until stopped: a browser reading pages, an API client reading lists, the same client starting
    /// operations (a scale, then a deploy, in turn), and a readiness probe. Every answer is kept with its time.
    /// </summary>
    private sealed class Load(HttpClient browser, HttpClient api, Stopwatch clock)
    {
        public const string Page = "page";
        public const string ApiRead = "api read";
        public const string OperationStart = "operation start";
        public const string Health = "health";

        public ConcurrentQueue<Answer> Answers { get; } = new();
        public ConcurrentQueue<Started> Accepted { get; } = new();

        public Task RunAsync(CancellationToken stop) =>
            Task.WhenAll(
                Loop(stop, TimeSpan.FromMilliseconds(100), n =>
                    Send(Page, browser, Get(n % 2 == 0 ? "/" : $"/t/{ProcessWorld.Tenant}/apps", "text/html"))
                ),
                Loop(stop, TimeSpan.FromMilliseconds(100), n =>
                    Send(
                        ApiRead,
                        api,
                        Get(
                            n % 2 == 0
                                ? $"/api/v1/tenants/{ProcessWorld.Tenant}/apps"
                                : $"/api/v1/tenants/{ProcessWorld.Tenant}/operations",
                            "application/json"
                        )
                    )
                ),
                Loop(stop, TimeSpan.FromMilliseconds(700), StartOperation),
                Loop(stop, TimeSpan.FromMilliseconds(500), _ => Send(Health, browser, Get("/health/ready", "*/*")))
            );

        private async Task StartOperation(int n)
        {
            var request = new HttpRequestMessage(
                HttpMethod.Post,
                n % 2 == 0 ? $"{ProcessWorld.ShopInDevPath}/scale" : $"{ProcessWorld.ShopInDevPath}/deploy"
            )
            {
                Content = JsonContent.Create<object>(
                    n % 2 == 0 ? new { replicas = 1 + n % 3 } : new { note = $"deploy {n}" }
                ),
            };
            var answer = await Send(OperationStart, api, request);
            if (answer.Status == 202 && answer.Body is { } body)
                Accepted.Enqueue(
                    new Started(JsonDocument.Parse(body).RootElement.GetProperty("operation").GetGuid(), answer.At)
                );
        }

        private static HttpRequestMessage Get(string path, string accept)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.ParseAdd(accept);
            return request;
        }

        private async Task Loop(CancellationToken stop, TimeSpan every, Func<int, Task> send)
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                await send(n);
                await Task.Delay(every, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }

        private async Task<Answer> Send(string what, HttpClient client, HttpRequestMessage request)
        {
            var at = clock.Elapsed;
            Answer answer;
            try
            {
                using var response = await client.SendAsync(request, CancellationToken.None);
                var body = await response.Content.ReadAsStringAsync(CancellationToken.None);
                answer = new Answer(
                    what,
                    $"{request.Method} {request.RequestUri}",
                    at,
                    (int)response.StatusCode,
                    response.Headers.RetryAfter?.Delta,
                    response.Content.Headers.ContentType?.MediaType,
                    body
                );
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                answer = new Answer(what, $"{request.Method} {request.RequestUri}", at, null, null, null, e.Message);
            }
            finally
            {
                request.Dispose();
            }
            Answers.Enqueue(answer);
            return answer;
        }

        public sealed record Started(Guid Operation, TimeSpan At);
    }

    private sealed record Answer(
        string What,
        string Request,
        TimeSpan At,
        int? Status,
        TimeSpan? RetryAfter,
        string? MediaType,
        string? Body
    )
    {
        /// <summary>
        /// 503 with Retry-After, and what the client asked for: problem details of the outage for the API, the outage's
        /// page for a browser; no stack trace and no connection string either way.
        /// </summary>
        public bool IsOutageAnswer =>
            Status == 503
            && RetryAfter > TimeSpan.Zero
            && Body is { } body
            && !body.Contains("   at ", StringComparison.Ordinal)
            && !body.Contains("Host=", StringComparison.OrdinalIgnoreCase)
            && (
                What == Load.Page
                    ? MediaType == "text/html" && body.Contains(DatabaseOutageAnswers.Title, StringComparison.Ordinal)
                    : MediaType == "application/problem+json"
                        && body.Contains(DatabaseOutageAnswers.ProblemType, StringComparison.Ordinal)
            );

        public override string ToString() =>
            $"{At.TotalSeconds:F1} s {Request} → {Status?.ToString() ?? "no answer"} "
            + $"(Retry-After {RetryAfter}, {MediaType}): {Body?[..Math.Min(Body.Length, 400)]}";
    }
}
