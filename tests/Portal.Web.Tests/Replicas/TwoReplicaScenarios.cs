using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Clusters;
using Portal.Web.Applications;
using Portal.Web.Tests.Pipelines;
using Portal.Web.Tests.Support;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Replicas;

/// <summary>
/// Two real portal processes on one PostgreSQL and one Redis, the sandbox cluster a third process: replica B runs the
/// jobs and, holding the cluster's watch lease, the watch; replica A serves a signed-in user who follows an application
/// live. Then B is killed with SIGKILL, and A takes the watch over.
/// </summary>
public sealed class TwoReplicaScenarios(ITestOutputHelper output)
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(6);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <remarks>
    /// Replica A runs no job server: with one, Hangfire wakes the enqueuing process's own idle worker at once (other
    /// servers poll every 15 s), so a job queued through A would run on A; without one, the job can only run on B.
    /// </remarks>
    [SkippableFact]
    public async Task A_user_on_one_replica_follows_changes_the_other_watched_and_the_watch_survives_its_kill()
    {
        PipelineRunCrashScenarios.RequireDatabase(DatabaseKind.Postgres);
        RedisServer.Require();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var ct = timeout.Token;
        var clock = Stopwatch.StartNew();
        void Note(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds, 6:F1} s  {what}");
        var folder = Directory.CreateTempSubdirectory("portal-replicas-").FullName;
        var database = PortalDatabase.For(DatabaseKind.Postgres, folder);
        RedisServer? redis = null;
        ChildProcess? sandbox = null;
        PortalProcess? a = null;
        PortalProcess? b = null;
        try
        {
            redis = await RedisServer.StartAsync(ct);
            var kubeconfig = Path.Combine(folder, "sandbox.yaml");
            sandbox = await ProcessWorld.StartSandboxAsync(kubeconfig, ct, podStartDelayMs: 300);
            // The replicas of one portal share their channel prefix; another portal on the same Redis would not.
            var prefix = $"portal-{Guid.NewGuid():N}";
            b = await PortalProcess.StartAsync(Settings(database, redis, prefix, runsJobs: true), null, ct);
            a = await PortalProcess.StartAsync(Settings(database, redis, prefix, runsJobs: false), null, ct);
            Note($"redis on {redis.Port}, replica B {b.Id} (jobs), replica A {a.Id} (no job server)");

            await b.SignInAsync(ct);
            using (var apiB = await b.AdminApiAsync(ct))
                await ProcessWorld.RegisterClusterAsync(apiB, await File.ReadAllTextAsync(kubeconfig, ct), ct);
            await SandboxWorld.EventuallyAsync(
                async () => await HolderAsync(database, ct) is { } holder && Holds(holder, b),
                "replica B, which registered the cluster, to hold its watch lease"
            );
            Note("cluster registered through B; B holds the watch lease");

            await a.SignInAsync(ct);
            using var apiA = await a.AdminApiAsync(ct);
            await ArrangeAppThroughAsync(apiA, database, ct);
            var ranOn = await JobServersAsync(database, ct);
            Note($"environment and deploy queued through A, run by {string.Join(", ", ranOn.Distinct())}");
            Assert.NotEmpty(ranOn);
            Assert.All(ranOn, server => Assert.Contains($":{b.Id}:", server));
            await SharedSignInAsync(a, b, apiA, ct);

            var updates = new ConcurrentQueue<EnvironmentStatus>();
            await using var hub = await FollowAsync(a, updates, ct);
            using var cluster = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig));
            await ScaleAsync(cluster, 3, ct);
            await UpdateAsync(updates, s => s is { ReadyReplicas: 3, Pods.Count: 3 }, "3 ready pods", ct);
            Assert.True(Holds((await HolderAsync(database, ct))!, b), "B stopped holding the lease before its kill.");
            Note("the user on A heard the scale to 3 that B watched");

            var killed = Stopwatch.StartNew();
            b.Kill();
            await ScaleAsync(cluster, 1, ct);
            Note($"B killed (SIGKILL); scaled to 1 while nobody watched");
            await SandboxWorld.EventuallyAsync(
                async () => await HolderAsync(database, ct) is { } holder && Holds(holder, a),
                "replica A to take the watch lease over",
                30
            );
            var takeover = killed.Elapsed;
            Note($"A holds the watch lease {takeover.TotalSeconds:F1} s after the kill");
            // B renewed at most a third of a lease before its death, and A looks every third of a lease.
            Assert.True(
                takeover <= Lease + Lease / 3 + TimeSpan.FromSeconds(2),
                $"A took the lease {takeover.TotalSeconds:F1} s after the kill; the lease lasts {Lease.TotalSeconds} s."
            );
            var relisted = await UpdateAsync(
                updates,
                s => s is { ReadyReplicas: 1, Pods.Count: 1 },
                "the scale to 1 made while nobody watched",
                ct
            );
            Note($"the user on A heard the missed scale to 1 ({relisted.Pods[0].Name})");
            var statuses = await apiA.GetFromJsonAsync<List<EnvironmentStatus>>(
                $"/api/v1/tenants/{ProcessWorld.Tenant}/apps/{ProcessWorld.App}/status",
                Json,
                ct
            );
            Assert.Equal([relisted.Pods[0].Name], Assert.Single(statuses!).Pods.Select(p => p.Name));
        }
        finally
        {
            if (b is not null)
                output.WriteLine($"--- replica B's last lines:\n{b.Tail(30)}");
            if (a is not null)
                output.WriteLine($"--- replica A's last lines:\n{a.Tail(30)}");
            a?.Dispose();
            b?.Dispose();
            sandbox?.Dispose();
            redis?.Dispose();
            await database.DropAsync();
            PipelineRunCrashScenarios.DeleteQuietly(folder);
        }
    }

    private static Dictionary<string, string> Settings(
        PortalDatabase database,
        RedisServer redis,
        string channelPrefix,
        bool runsJobs
    ) =>
        new()
        {
            ["ConnectionStrings:Portal"] = database.ConnectionString,
            ["Portal:Database:Provider"] = database.Provider.ToString(),
            ["Portal:Redis:Configuration"] = redis.Configuration,
            ["Portal:Redis:ChannelPrefix"] = channelPrefix,
            ["Portal:Sandbox:Enabled"] = "false",
            ["Portal:Jobs:RunServer"] = runsJobs ? "true" : "false",
            ["Portal:Builds:InstallTools"] = "false",
            ["Portal:Builds:Registry:Embedded"] = "false",
            ["Portal:Clusters:LeaseDuration"] = Lease.ToString(),
            ["Logging:LogLevel:Portal"] = "Information",
        };

    private static bool Holds(string holder, PortalProcess replica) => holder.Split('/')[1] == replica.Id.ToString();

    private static async Task<string?> HolderAsync(PortalDatabase database, CancellationToken ct)
    {
        await using var db = database.Open();
        var leases = await db.Set<ClusterWatchLease>().AsNoTracking().ToListAsync(ct);
        var now = DateTime.UtcNow;
        return leases.SingleOrDefault(l => l.ExpiresAt > now)?.Holder;
    }

    /// <summary>The Hangfire servers that took the jobs run so far (the server id names its process).</summary>
    private static async Task<List<string>> JobServersAsync(PortalDatabase database, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "select data from hangfire.state where name = 'Processing'",
            connection
        );
        var servers = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            using var data = JsonDocument.Parse(reader.GetString(0));
            servers.Add(data.RootElement.GetProperty("ServerId").GetString()!);
        }
        return servers;
    }

    /// <summary>Pool, tenant, quota, environment dev and an application deployed there with two pods.</summary>
    private static async Task ArrangeAppThroughAsync(HttpClient api, PortalDatabase database, CancellationToken ct)
    {
        await ProcessWorld.ArrangeShopAsync(api, database, ProcessWorld.ShopSpec(replicas: 2), ct);
        await ProcessWorld.DeployShopAsync(api, database, "first", ct);
        await SandboxWorld.EventuallyAsync(
            async () =>
                await api.GetFromJsonAsync<List<EnvironmentStatus>>(
                    $"/api/v1/tenants/{ProcessWorld.Tenant}/apps/{ProcessWorld.App}/status",
                    Json,
                    ct
                )
                    is [{ ReadyReplicas: 2 }],
            "two ready pods of the deployed application",
            60
        );
    }

    /// <summary>
    /// One key ring and one token signing key for both: the session cookie A set, and the bearer token A issued, are
    /// taken by B. Both are asked under A's host, as a proxy in front of both passes the one public host (the token's
    /// issuer).
    /// </summary>
    private static async Task SharedSignInAsync(PortalProcess a, PortalProcess b, HttpClient apiA, CancellationToken ct)
    {
        using var browserOnB = new HttpClient(
            new SocketsHttpHandler
            {
                CookieContainer = a.Cookies,
                AllowAutoRedirect = false,
                UseProxy = false,
            }
        )
        {
            BaseAddress = b.Client.BaseAddress,
        };
        browserOnB.DefaultRequestHeaders.Host = a.Client.BaseAddress!.Authority;
        using var page = await browserOnB.GetAsync($"/t/{ProcessWorld.Tenant}/apps/{ProcessWorld.App}", ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        using var apiOnB = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = b.Client.BaseAddress,
        };
        apiOnB.DefaultRequestHeaders.Host = a.Client.BaseAddress!.Authority;
        apiOnB.DefaultRequestHeaders.Authorization = apiA.DefaultRequestHeaders.Authorization;
        using var clusters = await apiOnB.GetAsync("/api/v1/clusters", ct);
        Assert.Equal(HttpStatusCode.OK, clusters.StatusCode);
    }

    /// <summary>
    /// The application's page's live connection, with the browser's session cookie, following the app.
    /// </summary>
    private static async Task<HubConnection> FollowAsync(
        PortalProcess replica,
        ConcurrentQueue<EnvironmentStatus> updates,
        CancellationToken ct
    )
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(replica.Client.BaseAddress!, ApplicationsHub.Path), options =>
                options.Cookies = replica.Cookies
            )
            .AddJsonProtocol(json =>
                json.PayloadSerializerOptions.Converters.Add(
                    new System.Text.Json.Serialization.JsonStringEnumConverter()
                )
            )
            .Build();
        connection.On<AppStatusUpdate>(ApplicationsHub.StatusChanged, update => updates.Enqueue(update.Status));
        await connection.StartAsync(ct);
        var now = await connection.InvokeAsync<List<EnvironmentStatus>>(
            "Follow",
            ProcessWorld.Tenant,
            ProcessWorld.App,
            ct
        );
        Assert.Equal(2, Assert.Single(now).ReadyReplicas);
        return connection;
    }

    private static async Task<EnvironmentStatus> UpdateAsync(
        ConcurrentQueue<EnvironmentStatus> updates,
        Func<EnvironmentStatus, bool> wanted,
        string what,
        CancellationToken ct
    )
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (updates.FirstOrDefault(wanted) is { } found)
                return found;
            if (waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                var heard = string.Join("; ", updates.Select(u => $"{u.ReadyReplicas}/{u.Pods.Count} pods"));
                Assert.Fail($"No live update with {what} reached the follower; it heard: {heard}");
            }
            await Task.Delay(100, ct);
        }
    }

    private static Task ScaleAsync(IKubernetes cluster, int replicas, CancellationToken ct) =>
        cluster.AppsV1.PatchNamespacedDeploymentScaleAsync(
            new V1Patch($"{{\"spec\":{{\"replicas\":{replicas}}}}}", V1Patch.PatchType.MergePatch),
            ProcessWorld.App,
            ProcessWorld.DevNamespace,
            cancellationToken: ct
        );
}
