using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using k8s;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>
/// What a deploy would change in an environment (its preview), and the working spec after a rollback.
/// </summary>
public abstract partial class ApplicationScenarios
{
    [SkippableFact]
    public async Task The_deploy_preview_says_what_a_deploy_would_change_in_the_environment_and_writes_nothing()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec(replicas: 1));
        var first = await api.GetFromJsonAsync<JsonElement>($"{Apps(slug)}/shop/environments/dev/deploy/preview");
        await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/deploy", new { }));
        await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/scale", new { replicas = 3 }));
        await ChangeSpecAsync(api, slug, Spec(image: "nginx:1.28", replicas: 1, secret: ""));

        var kept = await api.GetFromJsonAsync<JsonElement>($"{Apps(slug)}/shop/environments/dev/deploy/preview");
        var set = await api.GetFromJsonAsync<JsonElement>(
            $"{Apps(slug)}/shop/environments/dev/deploy/preview?replicas=5"
        );
        var tooMany = await api.GetFromJsonAsync<JsonElement>(
            $"{Apps(slug)}/shop/environments/dev/deploy/preview?replicas=50"
        );
        var nowhere = await api.GetAsync($"{Apps(slug)}/shop/environments/nowhere/deploy/preview");

        Assert.Equal(JsonValueKind.Null, first.GetProperty("currentRevision").ValueKind);
        Assert.Equal("Spec", first.GetProperty("scale").GetProperty("source").GetString());
        Assert.Equal(1, kept.GetProperty("currentRevision").GetInt32());
        Assert.Equal(2, kept.GetProperty("nextRevision").GetInt32());
        var change = Assert.Single(kept.GetProperty("changes").EnumerateArray());
        Assert.Equal(
            ("Image", "nginx:1.27", "nginx:1.28"),
            (
                change.GetProperty("field").GetString(),
                change.GetProperty("before").GetString(),
                change.GetProperty("after").GetString()
            )
        );
        Assert.Equal("Kept", kept.GetProperty("scale").GetProperty("source").GetString());
        Assert.Equal(3, kept.GetProperty("scale").GetProperty("replicas").GetInt32());
        Assert.Equal(1, kept.GetProperty("scale").GetProperty("specReplicas").GetInt32());
        Assert.StartsWith("Keeps 3 replicas, as scaled on ", kept.GetProperty("scale").GetProperty("said").GetString());
        Assert.Equal(300, kept.GetProperty("quota").GetProperty("needed").GetProperty("cpuRequestMillis").GetInt64());
        Assert.True(kept.GetProperty("quota").GetProperty("fits").GetBoolean());
        Assert.Equal(
            ("Set", 5),
            (
                set.GetProperty("scale").GetProperty("source").GetString(),
                set.GetProperty("scale").GetProperty("replicas").GetInt32()
            )
        );
        Assert.Equal(500, set.GetProperty("quota").GetProperty("needed").GetProperty("cpuRequestMillis").GetInt64());
        Assert.False(tooMany.GetProperty("quota").GetProperty("fits").GetBoolean());
        Assert.Contains("Over quota in environment 'dev'", tooMany.GetProperty("refusal").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, nowhere.StatusCode);
        Assert.Equal(
            1,
            await Arrange.QueryAsync(db => db.Revisions.IgnoreQueryFilters().CountAsync(r => r.TenantId == tenant.Id))
        );
        Assert.Equal(3, (await DeploymentAsync(tenant, "shop", "dev")).Replicas);
    }

    [SkippableFact]
    public async Task After_a_rollback_the_working_spec_is_said_to_differ_and_resetting_it_to_the_running_revision_is_audited()
    {
        var (tenant, api, slug) = await WorldAsync();
        await CreateAsync(api, slug, "shop", Spec());
        await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/deploy", new { }));
        await ChangeSpecAsync(api, slug, Spec(image: "nginx:1.28", secret: "n3w-s3cr3t"));
        await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/deploy", new { }));
        await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/rollback", new { revision = 1 }));

        var afterRollback = await api.GetFromJsonAsync<JsonElement>(
            $"{Apps(slug)}/shop/environments/dev/deploy/preview"
        );
        var reset = await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/reset-spec", new { });
        var afterReset = await api.GetFromJsonAsync<JsonElement>($"{Apps(slug)}/shop/environments/dev/deploy/preview");
        var deployed = await RunAsync(await api.PostAsJsonAsync($"{Apps(slug)}/shop/environments/dev/deploy", new { }));

        var changes = afterRollback.GetProperty("changes").EnumerateArray().ToList();
        Assert.Contains(changes, c =>
            c.GetProperty("field").GetString() == "Image"
            && c.GetProperty("before").GetString() == "nginx:1.27"
            && c.GetProperty("after").GetString() == "nginx:1.28"
        );
        Assert.DoesNotContain("n3w-s3cr3t", afterRollback.GetRawText());
        Assert.DoesNotContain("pa55-w0rd", afterRollback.GetRawText());
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        Assert.Equal(
            "nginx:1.27",
            (await reset.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("spec").GetProperty("image").GetString()
        );
        Assert.Empty(afterReset.GetProperty("changes").EnumerateArray());
        Assert.Equal(OperationState.Succeeded, deployed.State);
        using var cluster = World.Client();
        Assert.Equal(
            "nginx:1.27",
            (await cluster.AppsV1.ReadNamespacedDeploymentAsync("shop", $"{slug}-dev"))
                .Spec
                .Template
                .Spec
                .Containers[0]
                .Image
        );
        Assert.Equal(
            "pa55-w0rd",
            Encoding.UTF8.GetString(
                (await cluster.CoreV1.ReadNamespacedSecretAsync("shop-env", $"{slug}-dev")).Data["DB_PASSWORD"]
            )
        );
        var audit = await Arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.TenantId == tenant.Id && a.Action == "application.spec-reset")
                .Select(a => a.Summary)
                .SingleAsync()
        );
        Assert.Contains("revision 3 running in 'dev'", audit);
        Assert.Contains("nginx:1.28 → nginx:1.27", audit);
        Assert.DoesNotContain("pa55-w0rd", audit);
    }
}
