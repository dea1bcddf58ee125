using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Applications;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>The embedded sandbox with small bounds on logs, so that a test can reach them.</summary>
public sealed class LogBoundsPortal : SandboxPortalOn
{
    public const int MaxLineLength = 4096;
    public const int MaxDownloadBytes = 1 << 20;
    public const int MaxStreamBytes = 2 << 20;

    protected override DatabaseKind Kind => DatabaseKind.Sqlite;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings)
        {
            ["Portal:Logs:MaxLineLength"] = $"{MaxLineLength}",
            ["Portal:Logs:MaxDownloadBytes"] = $"{MaxDownloadBytes}",
            ["Portal:Logs:MaxStreamBytes"] = $"{MaxStreamBytes}",
            ["Portal:Logs:StreamsPerUser"] = "2",
            ["Portal:Logs:StreamsPerTenant"] = "3",
        };
}

/// <summary>
/// A tenant's container that prints a line of many megabytes without a break, or a tenant that opens log after log,
/// cannot take the shared portal's memory or connections: reads are cut to their bounds and the extra reader is refused
/// in words.
/// </summary>
public sealed class PodLogBoundsScenarios(LogBoundsPortal portal) : IClassFixture<LogBoundsPortal>
{
    private Arrange Arrange => new(portal.Factory);
    private SandboxApps Apps => new(portal.Factory);

    [Fact]
    public async Task A_line_of_64_megabytes_downloads_cut_to_the_line_limit_and_the_download_stops_at_its_byte_limit()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1, image: "registry.local/hugeline:64Mi");
        var pod = (await Apps.PodsAsync(deployed, 1))[0];
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Viewer));

        // The huge line is the container's second, printed one log interval after it started.
        var text = await SandboxApps.EventuallyAsync(
            async () =>
            {
                var download = await api.GetAsync(
                    $"/api/v1/tenants/{deployed.Tenant.Slug}/apps/"
                        + $"{deployed.App}/environments/dev/pods/{pod}/log?lines=5000"
                );
                Assert.Equal(HttpStatusCode.OK, download.StatusCode);
                var body = await download.Content.ReadAsStringAsync();
                return body.Contains("DEBUG dump", StringComparison.Ordinal) ? body : null;
            },
            "the huge line in the log"
        );

        Assert.True(text.Length <= LogBoundsPortal.MaxDownloadBytes, $"{text.Length} characters returned");
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains($"starting {deployed.App}", lines[0]);
        Assert.Contains("DEBUG dump xxx", lines[1]);
        Assert.EndsWith(LogLineReader.CutLineMarker(LogBoundsPortal.MaxLineLength), lines[1]);
        Assert.Equal(
            LogBoundsPortal.MaxLineLength + LogLineReader.CutLineMarker(LogBoundsPortal.MaxLineLength).Length,
            lines[1].Length
        );
        Assert.Contains("the portal read at most 1 MiB", lines[^1]);
    }

    [Fact]
    public async Task A_live_tail_of_a_line_of_64_megabytes_yields_it_cut_and_stops_at_the_stream_byte_limit()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1, image: "registry.local/hugeline:64Mi");
        var pod = (await Apps.PodsAsync(deployed, 1))[0];
        await using var connection = await Apps.ConnectAsync(
            await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Viewer)
        );
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var lines = new List<string>();
        await foreach (
            var line in connection.StreamAsync<string>(
                "StreamLog",
                deployed.Tenant.Slug,
                deployed.App,
                "dev",
                pod,
                null,
                false,
                stop.Token
            )
        )
            lines.Add(line);

        Assert.False(stop.IsCancellationRequested, "the stream did not end at its byte limit");
        Assert.Equal(3, lines.Count);
        Assert.Contains($"starting {deployed.App}", lines[0]);
        Assert.Equal(
            LogBoundsPortal.MaxLineLength + LogLineReader.CutLineMarker(LogBoundsPortal.MaxLineLength).Length,
            lines[1].Length
        );
        Assert.Contains("stopped this live tail after 2 MiB", lines[2]);
    }

    [Fact]
    public async Task Logs_opened_beyond_what_a_user_or_a_tenant_may_read_at_once_are_refused_in_words_until_one_closes()
    {
        var deployed = await Apps.DeployedAppAsync(replicas: 1);
        var pod = (await Apps.PodsAsync(deployed, 1))[0];
        var first = await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Viewer);
        var second = await Arrange.ServiceAccountAsync(deployed.Tenant, TenantRole.Viewer);
        await using var firstConnection = await Apps.ConnectAsync(first);
        await using var secondConnection = await Apps.ConnectAsync(second);
        var firstApi = await Arrange.ApiClientAsync(first);
        using var closeFirst = new CancellationTokenSource();
        using var closeAll = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var closing = CancellationTokenSource.CreateLinkedTokenSource(closeFirst.Token, closeAll.Token);

        var open = new List<IAsyncEnumerator<string>>
        {
            await OpenAsync(firstConnection, deployed, pod, closing.Token),
            await OpenAsync(firstConnection, deployed, pod, closeAll.Token),
        };
        var userRefused = await Assert.ThrowsAsync<HubException>(() =>
            OpenAsync(firstConnection, deployed, pod, closeAll.Token)
        );
        var download = await firstApi.GetAsync(
            $"/api/v1/tenants/{deployed.Tenant.Slug}/apps/{deployed.App}/environments/dev/pods/{pod}/log?lines=1"
        );
        open.Add(await OpenAsync(secondConnection, deployed, pod, closeAll.Token));
        var tenantRefused = await Assert.ThrowsAsync<HubException>(() =>
            OpenAsync(secondConnection, deployed, pod, closeAll.Token)
        );
        await closeFirst.CancelAsync();
        var reopened = await SandboxApps.EventuallyAsync(
            async () =>
            {
                try
                {
                    return await OpenAsync(firstConnection, deployed, pod, closeAll.Token);
                }
                catch (HubException)
                {
                    return null;
                }
            },
            "a place freed by the closed live tail"
        );

        Assert.Contains("You are reading 2 logs already", userRefused.Message);
        Assert.Equal(HttpStatusCode.TooManyRequests, download.StatusCode);
        var problem = await download.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("/problems/too-many-requests", problem.GetProperty("type").GetString());
        Assert.Contains("You are reading 2 logs already", problem.GetProperty("detail").GetString());
        Assert.Contains("The members of this tenant are reading 3 logs already", tenantRefused.Message);
        Assert.NotNull(reopened);
        await closeAll.CancelAsync();
    }

    /// <summary>Starts a live tail and waits for its first line, so that it holds its place.</summary>
    private static async Task<IAsyncEnumerator<string>> OpenAsync(
        HubConnection connection,
        DeployedApp deployed,
        string pod,
        CancellationToken ct
    )
    {
        var lines = connection
            .StreamAsync<string>("StreamLog", deployed.Tenant.Slug, deployed.App, "dev", pod, null, false, ct)
            .GetAsyncEnumerator(ct);
        Assert.True(await lines.MoveNextAsync());
        return lines;
    }
}
