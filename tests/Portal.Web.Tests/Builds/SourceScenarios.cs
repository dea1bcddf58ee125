using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Builds;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Builds;

/// <summary>
/// An application's source page and API: connected after a real test of the connection against a repository made
/// with git, refused at the field with nothing saved, never showing the credential, and changed by developers only.
/// </summary>
public sealed class SourceScenarios(SourcesPortal portal) : IClassFixture<SourcesPortal>
{
    private const string Token = "tok-Qw93-never-shown";
    private Arrange Arrange => new(portal.Factory);

    private async Task<(Tenant Tenant, string App)> AppAsync()
    {
        var tenant = await Arrange.TenantAsync();
        var environment = await Arrange.EnvironmentAsync(tenant);
        var (app, _) = await Arrange.ApplicationAsync(tenant, environment);
        return (tenant, app);
    }

    private static Dictionary<string, string> Form(string repository, string refName = "main") =>
        new()
        {
            ["RepositoryUrl"] = LocalGitHost.Url(repository),
            ["Ref"] = refName,
            ["SubDirectory"] = "",
            ["CredentialKind"] = "Token",
            ["UserName"] = "",
            ["Secret"] = Token,
            ["SshKey"] = "",
        };

    private Task<int> SourcesOfAsync(Tenant tenant) =>
        Arrange.QueryAsync(db => db.AppSources.IgnoreQueryFilters().CountAsync(s => s.TenantId == tenant.Id));

    [SkippableFact]
    public async Task A_developer_connects_a_repository_and_the_page_shows_it_with_a_credential_set_but_never_shown()
    {
        var (tenant, app) = await AppAsync();
        var repository = Arrange.Unique("shop");
        var commit = portal.Git.Repository(repository);
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var page = $"/t/{tenant.Slug}/apps/{app}/source";

        var saved = await developer.PostFormAsync(page, Form(repository), page);
        var shown = await developer.Http.GetStringAsync(page);
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var audit = await admin.Http.GetStringAsync($"/t/{tenant.Slug}/audit");

        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Contains(LocalGitHost.Url(repository), shown);
        Assert.Contains("a credential is set", shown);
        Assert.Contains(commit[..12], shown);
        Assert.DoesNotContain(Token, shown);
        Assert.Equal(1, await SourcesOfAsync(tenant));
        Assert.Contains(BuildAuditActions.SourceConnected, audit);
        Assert.DoesNotContain(Token, audit);
    }

    [SkippableFact]
    public async Task Testing_the_connection_answers_the_commit_of_the_ref_and_saves_nothing()
    {
        var (tenant, app) = await AppAsync();
        var repository = Arrange.Unique("shop");
        var commit = portal.Git.Repository(repository);
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var page = $"/t/{tenant.Slug}/apps/{app}/source";

        var tested = await developer.PostFormAsync($"{page}/test", Form(repository, "v1.0"), page);
        var html = await tested.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, tested.StatusCode);
        Assert.Contains($"the tag <code>v1.0</code>", html);
        Assert.Contains(commit, html);
        Assert.DoesNotContain(Token, html);
        Assert.Equal(0, await SourcesOfAsync(tenant));
    }

    [SkippableFact]
    public async Task A_missing_branch_is_refused_at_the_ref_field_with_status_400_and_nothing_saved()
    {
        var (tenant, app) = await AppAsync();
        var repository = Arrange.Unique("shop");
        portal.Git.Repository(repository);
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var page = $"/t/{tenant.Slug}/apps/{app}/source";

        var refused = await developer.PostFormAsync(page, Form(repository, "no-such-branch"), page);
        var html = await refused.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches("id=\"Ref-error\"[^>]*>[^<]*no-such-branch", html);
        Assert.DoesNotContain(Token, html);
        Assert.Equal(0, await SourcesOfAsync(tenant));
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.AuditEvents.IgnoreQueryFilters()
                    .CountAsync(a => a.TenantId == tenant.Id && a.Action == BuildAuditActions.SourceConnected)
            )
        );
    }

    [SkippableFact]
    public async Task A_url_with_a_password_is_refused_at_its_field_before_any_repository_is_asked()
    {
        var (tenant, app) = await AppAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var page = $"/t/{tenant.Slug}/apps/{app}/source";
        var form = Form("any");
        form["RepositoryUrl"] = "https://me:hunter2@git.example.com/shop.git";

        var refused = await developer.PostFormAsync(page, form, page);
        var html = await refused.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches("id=\"RepositoryUrl-error\"[^>]*>[^<]*holds a password", html);
        Assert.Equal(0, await SourcesOfAsync(tenant));
    }

    [SkippableFact]
    public async Task An_ssh_key_that_is_not_one_is_refused_under_the_key_box()
    {
        var (tenant, app) = await AppAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var page = $"/t/{tenant.Slug}/apps/{app}/source";
        var form = Form("any");
        form["RepositoryUrl"] = "git@git.example.com:acme/shop.git";
        form["CredentialKind"] = "SshKey";
        form["SshKey"] = "not a key";

        var refused = await developer.PostFormAsync($"{page}/test", form, page);
        var html = await refused.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches("id=\"SshKey-error\"[^>]*>[^<]*private key", html);
        Assert.DoesNotContain("not a key", html);
    }

    [SkippableFact]
    public async Task A_viewer_reads_the_source_page_without_the_form_and_cannot_connect()
    {
        var (tenant, app) = await AppAsync();
        var repository = Arrange.Unique("shop");
        portal.Git.Repository(repository);
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var page = $"/t/{tenant.Slug}/apps/{app}/source";

        var html = await viewer.Http.GetStringAsync(page);
        var connect = await viewer.PostFormAsync(page, Form(repository), page);

        Assert.DoesNotContain("id=\"source-form\"", html);
        Assert.Equal(HttpStatusCode.Forbidden, connect.StatusCode);
        Assert.Equal(0, await SourcesOfAsync(tenant));
    }

    [SkippableFact]
    public async Task Disconnecting_asks_for_confirmation_then_removes_the_source()
    {
        var (tenant, app) = await AppAsync();
        var repository = Arrange.Unique("shop");
        portal.Git.Repository(repository);
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var page = $"/t/{tenant.Slug}/apps/{app}/source";
        await developer.PostFormAsync(page, Form(repository), page);

        var unconfirmed = await developer.PostFormAsync($"{page}/disconnect", new(), page);
        var kept = await SourcesOfAsync(tenant);
        var confirmed = await developer.PostFormAsync($"{page}/disconnect", new() { ["confirm"] = "true" }, page);

        Assert.Equal(HttpStatusCode.Redirect, unconfirmed.StatusCode);
        Assert.Equal(1, kept);
        Assert.Equal(HttpStatusCode.Redirect, confirmed.StatusCode);
        Assert.Equal(0, await SourcesOfAsync(tenant));
        Assert.Equal(1, await Arrange.AuditCountAsync(BuildAuditActions.SourceDisconnected));
    }

    [SkippableFact]
    public async Task The_api_connects_with_201_replaces_with_200_and_never_answers_the_credential()
    {
        var (tenant, app) = await AppAsync();
        var repository = Arrange.Unique("shop");
        portal.Git.Repository(repository);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        var url = $"/api/v1/tenants/{tenant.Slug}/apps/{app}/source";
        var body = new
        {
            repositoryUrl = LocalGitHost.Url(repository),
            @ref = "main",
            credentialKind = "Token",
            secret = Token,
        };

        var created = await api.PutAsJsonAsync(url, body);
        var replaced = await api.PutAsJsonAsync(url, body with { @ref = "v1.0" });
        var read = await api.GetAsync(url);
        var answers = string.Join(
            "\n",
            await created.Content.ReadAsStringAsync(),
            await replaced.Content.ReadAsStringAsync(),
            await read.Content.ReadAsStringAsync()
        );

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(url, created.Headers.Location!.OriginalString);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var source = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("v1.0", source.GetProperty("ref").GetString());
        Assert.True(source.GetProperty("hasCredential").GetBoolean());
        Assert.DoesNotContain(Token, answers);
        Assert.Contains(portal.Git.Asked, remote => remote.Credential.Secret == Token);
    }

    [SkippableFact]
    public async Task The_api_tests_a_source_and_answers_its_commit_without_saving()
    {
        var (tenant, app) = await AppAsync();
        var repository = Arrange.Unique("shop");
        var commit = portal.Git.Repository(repository);
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));

        var tested = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps/{app}/source/test",
            new
            {
                repositoryUrl = LocalGitHost.Url(repository),
                @ref = "main",
                credentialKind = "None",
            }
        );
        var answer = await tested.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, tested.StatusCode);
        Assert.Equal(commit, answer.GetProperty("commit").GetString());
        Assert.Equal("Branch", answer.GetProperty("refKind").GetString());
        Assert.Equal(0, await SourcesOfAsync(tenant));
    }

    [SkippableFact]
    public async Task The_api_refuses_bad_input_with_problem_details_at_the_fields_and_saves_nothing()
    {
        var (tenant, app) = await AppAsync();
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));

        var refused = await api.PutAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps/{app}/source",
            new
            {
                repositoryUrl = "http://git.example.com/shop.git",
                @ref = "a..b",
                credentialKind = "None",
            }
        );
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(problem.GetProperty("errors").TryGetProperty("repositoryUrl", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("ref", out _));
        Assert.Equal(0, await SourcesOfAsync(tenant));
    }

    [SkippableFact]
    public async Task A_viewer_reads_the_source_through_the_api_but_cannot_connect_or_disconnect()
    {
        var (tenant, app) = await AppAsync();
        var repository = Arrange.Unique("shop");
        portal.Git.Repository(repository);
        var developer = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        var viewer = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));
        var url = $"/api/v1/tenants/{tenant.Slug}/apps/{app}/source";
        var body = new
        {
            repositoryUrl = LocalGitHost.Url(repository),
            @ref = "main",
            credentialKind = "None",
        };
        await developer.PutAsJsonAsync(url, body);

        var read = await viewer.GetAsync(url);
        var connect = await viewer.PutAsJsonAsync(url, body);
        var disconnect = await viewer.DeleteAsync(url);
        var deleted = await developer.DeleteAsync(url);
        var gone = await developer.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, connect.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, disconnect.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }
}
