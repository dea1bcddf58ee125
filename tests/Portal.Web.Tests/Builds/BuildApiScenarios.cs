using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;

namespace Portal.Web.Tests.Builds;

/// <summary>
/// The builds API: queued with 202 and the build's address, listed with filters and paging on the server, read with
/// steps and the image pinned by digest, cancelled, rebuilt and its log read; bad input refused with problem details
/// and nothing saved; Viewers read and Developers act. No build runs here (no job server): queued is as far as it goes.
/// </summary>
public sealed class BuildApiScenarios(SourcesPortal portal) : IClassFixture<SourcesPortal>
{
    private BuildWorld World => new(portal);

    private static string Builds(Tenant tenant, string app) => $"/api/v1/tenants/{tenant.Slug}/apps/{app}/builds";

    [SkippableFact]
    public async Task A_build_is_queued_with_202_its_address_number_and_operation_and_reads_back_as_queued()
    {
        var (tenant, app, api) = await World.ConnectedAsync();

        var queued = await api.PostAsJsonAsync(Builds(tenant, app), new { @ref = "v1.0" });
        var body = await queued.Content.ReadFromJsonAsync<JsonElement>();
        var read = await api.GetFromJsonAsync<JsonElement>(queued.Headers.Location!.OriginalString);

        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        Assert.Equal($"{Builds(tenant, app)}/1", queued.Headers.Location.OriginalString);
        Assert.Equal(1, body.GetProperty("build").GetInt32());
        var operation = body.GetProperty("operation").GetGuid();
        Assert.Equal("Queued", read.GetProperty("state").GetString());
        Assert.Equal("v1.0", read.GetProperty("ref").GetString());
        Assert.Equal(operation, read.GetProperty("operation").GetGuid());
        Assert.Equal(
            OperationKinds.BuildApplication,
            await World.Arrange.QueryAsync(db =>
                db.Operations.IgnoreQueryFilters().Where(o => o.Id == operation).Select(o => o.Kind).SingleAsync()
            )
        );
    }

    [SkippableFact]
    public async Task Without_a_ref_the_build_takes_the_sources_own()
    {
        var (tenant, app, api) = await World.ConnectedAsync();

        var queued = await api.PostAsJsonAsync(Builds(tenant, app), new { });

        Assert.Equal(HttpStatusCode.Accepted, queued.StatusCode);
        Assert.Equal("main", (await World.FindAsync(tenant, app, 1)).Ref);
    }

    [SkippableFact]
    public async Task An_unknown_recipe_a_bad_value_and_an_app_without_source_are_refused_at_their_fields()
    {
        var (tenant, app, api) = await World.ConnectedAsync();
        var (bare, bareApp) = await World.WithoutSourceAsync();
        var bareApi = await World.Arrange.ApiClientAsync(
            await World.Arrange.ServiceAccountAsync(bare, TenantRole.Developer)
        );

        var unknown = await api.PostAsJsonAsync(Builds(tenant, app), new { recipe = "cobol" });
        var badValue = await api.PostAsJsonAsync(
            Builds(tenant, app),
            new { recipe = "static", values = new Dictionary<string, string> { ["port"] = "99999" } }
        );
        var noSource = await bareApi.PostAsJsonAsync(Builds(bare, bareApp), new { });

        foreach (var refused in new[] { unknown, badValue, noSource })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        var errors = (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("There is no recipe 'cobol'", errors.GetProperty("recipe")[0].GetString());
        Assert.Contains("port", await badValue.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(
            "connect a Git repository",
            (await noSource.Content.ReadFromJsonAsync<JsonElement>())
                .GetProperty("errors")
                .GetProperty("source")[0]
                .GetString()
        );
        Assert.Equal(0, await World.BuildsOfAsync(tenant));
        Assert.Equal(0, await World.BuildsOfAsync(bare));
    }

    [SkippableFact]
    public async Task An_unknown_build_or_application_is_a_404_problem()
    {
        var (tenant, app, api) = await World.ConnectedAsync();

        var build = await api.GetAsync($"{Builds(tenant, app)}/9");
        var log = await api.GetAsync($"{Builds(tenant, app)}/9/log");
        var cancel = await api.PostAsync($"{Builds(tenant, app)}/9/cancel", null);
        var list = await api.GetAsync(Builds(tenant, "nothing-here"));
        var queue = await api.PostAsJsonAsync(Builds(tenant, "nothing-here"), new { });

        Assert.All(new[] { build, log, cancel, list, queue }, r =>
        {
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        });
    }

    [SkippableFact]
    public async Task A_build_reads_with_its_commit_its_steps_and_times_and_its_image_pinned_by_digest()
    {
        var (tenant, app, api) = await World.ConnectedAsync();
        await World.SucceededAsync(tenant, app);

        var build = await api.GetFromJsonAsync<JsonElement>($"{Builds(tenant, app)}/1");

        Assert.Equal("Succeeded", build.GetProperty("state").GetString());
        Assert.Equal(BuildWorld.Sha, build.GetProperty("commit").GetProperty("sha").GetString());
        Assert.Equal("Serve /health", build.GetProperty("commit").GetProperty("subject").GetString());
        var image = build.GetProperty("image");
        Assert.Equal(BuildWorld.Digest, image.GetProperty("digest").GetString());
        Assert.Equal(
            $"127.0.0.1:5000/{tenant.Slug}/{app}@{BuildWorld.Digest}",
            image.GetProperty("pinned").GetString()
        );
        Assert.Equal(
            ["fetch", "detect", "build", "push"],
            build.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("name").GetString()!).ToArray()
        );
        Assert.All(build.GetProperty("steps").EnumerateArray(), s =>
            Assert.Equal("00:00:01", s.GetProperty("duration").GetString())
        );
    }

    [SkippableFact]
    public async Task Lists_filter_by_state_ref_and_application_and_page_on_the_server()
    {
        var (tenant, app, api) = await World.ConnectedAsync();
        var other = (await World.Arrange.ApplicationAsync(tenant, "env")).App;
        await World.SucceededAsync(tenant, app);
        await World.FailedAsync(tenant, app, "main.go:3: undefined: x");
        await World.BuildAsync(tenant, app, "release", null, []);
        await World.BuildAsync(tenant, other, "main", null, []);
        var tenantBuilds = $"/api/v1/tenants/{tenant.Slug}/builds";

        var all = await api.GetFromJsonAsync<JsonElement>(tenantBuilds);
        var failed = await api.GetFromJsonAsync<JsonElement>($"{Builds(tenant, app)}?state=Failed");
        var release = await api.GetFromJsonAsync<JsonElement>($"{tenantBuilds}?ref=release");
        var ofOther = await api.GetFromJsonAsync<JsonElement>($"{tenantBuilds}?app={other}");
        var paged = await api.GetFromJsonAsync<JsonElement>($"{Builds(tenant, app)}?size=2&page=2");
        var badState = await api.GetAsync($"{tenantBuilds}?state=Exploded");

        Assert.Equal(4, all.GetProperty("total").GetInt32());
        Assert.Equal(1, failed.GetProperty("total").GetInt32());
        Assert.Equal("Failed", failed.GetProperty("items")[0].GetProperty("state").GetString());
        Assert.Equal("release", release.GetProperty("items").EnumerateArray().Single().GetProperty("ref").GetString());
        Assert.Equal(other, ofOther.GetProperty("items").EnumerateArray().Single().GetProperty("app").GetString());
        Assert.Equal(3, paged.GetProperty("total").GetInt32());
        Assert.Single(paged.GetProperty("items").EnumerateArray());
        Assert.Equal(HttpStatusCode.BadRequest, badState.StatusCode);
    }

    [SkippableFact]
    public async Task A_queued_build_is_cancelled_and_a_finished_one_is_refused_with_409()
    {
        var (tenant, app, api) = await World.ConnectedAsync();
        await api.PostAsJsonAsync(Builds(tenant, app), new { });

        var cancelled = await api.PostAsync($"{Builds(tenant, app)}/1/cancel", null);
        var again = await api.PostAsync($"{Builds(tenant, app)}/1/cancel", null);

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal(
            "Cancelled",
            (await cancelled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString()
        );
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("has already ended", await again.Content.ReadAsStringAsync());
    }

    [SkippableFact]
    public async Task A_rebuild_queues_the_same_commit_as_a_new_build()
    {
        var (tenant, app, api) = await World.ConnectedAsync();
        await World.SucceededAsync(tenant, app);

        var rebuilt = await api.PostAsync($"{Builds(tenant, app)}/1/rebuild", null);

        Assert.Equal(HttpStatusCode.Accepted, rebuilt.StatusCode);
        Assert.Equal($"{Builds(tenant, app)}/2", rebuilt.Headers.Location!.OriginalString);
        Assert.Equal(BuildWorld.Sha, (await World.FindAsync(tenant, app, 2)).Ref);
    }

    [SkippableFact]
    public async Task The_log_downloads_whole_as_a_named_text_file_and_follows_after_a_sequence()
    {
        var (tenant, app, api) = await World.ConnectedAsync();
        await World.SucceededAsync(tenant, app);

        var whole = await api.GetAsync($"{Builds(tenant, app)}/1/log");
        var after = await api.GetFromJsonAsync<JsonElement>($"{Builds(tenant, app)}/1/log?after=1");

        Assert.Equal("text/plain", whole.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"{app}-build-1.log", whole.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal(
            $"Fetching main…\nRecipe: static.\nPushed as {BuildWorld.Digest}.\n",
            await whole.Content.ReadAsStringAsync()
        );
        Assert.Equal(
            [2, 3],
            after.GetProperty("chunks").EnumerateArray().Select(c => c.GetProperty("sequence").GetInt32()).ToArray()
        );
        Assert.Equal(3, after.GetProperty("last").GetInt32());
        Assert.True(after.GetProperty("finished").GetBoolean());
    }

    [SkippableFact]
    public async Task A_viewer_reads_builds_and_logs_but_cannot_queue_cancel_or_rebuild()
    {
        var (tenant, app, _) = await World.ConnectedAsync();
        await World.SucceededAsync(tenant, app);
        var viewer = await World.Arrange.ApiClientAsync(
            await World.Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer)
        );

        var reads = new[]
        {
            await viewer.GetAsync(Builds(tenant, app)),
            await viewer.GetAsync($"{Builds(tenant, app)}/1"),
            await viewer.GetAsync($"{Builds(tenant, app)}/1/log"),
            await viewer.GetAsync($"/api/v1/tenants/{tenant.Slug}/builds"),
        };
        var changes = new[]
        {
            await viewer.PostAsJsonAsync(Builds(tenant, app), new { }),
            await viewer.PostAsync($"{Builds(tenant, app)}/1/cancel", null),
            await viewer.PostAsync($"{Builds(tenant, app)}/1/rebuild", null),
        };

        Assert.All(reads, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(changes, r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(1, await World.BuildsOfAsync(tenant));
    }
}
