using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portal.Domain.Pipelines;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// An application's pipelines in the browser: defined with the editor's form or its YAML (each saving on its own,
/// a refusal at its field or its line with nothing saved), the two tabs converted into each other, the webhook secret
/// shown once and masked after, rotated and deleted by developers; read by viewers.
/// </summary>
public sealed partial class PipelinePageScenarios(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private PipelineArrangement World => new(portal.Factory);
    private Arrange Arrange => World.Arrange;

    private static string Pages(Tenant tenant, string app) => $"/t/{tenant.Slug}/apps/{app}/pipelines";

    /// <summary>The editor's form with a build and a deploy stage, as the page posts it.</summary>
    private static Dictionary<string, string> Form(string name = "main", string environment = "dev") =>
        new()
        {
            ["Name"] = name,
            ["Branches"] = "main",
            ["Tags"] = "",
            ["Schedule"] = "",
            ["Poll"] = "",
            ["SupersedeWaiting"] = "true",
            ["Stages[0].Name"] = "build",
            ["Stages[0].Kind"] = "build",
            ["Stages[0].Timeout"] = "",
            ["Stages[1].Name"] = "deploy-dev",
            ["Stages[1].Kind"] = "deploy",
            ["Stages[1].Environment"] = environment,
            ["Stages[1].RollbackOnFailure"] = "true",
            ["Yaml"] = "",
            ["Mode"] = "form",
        };

    private async Task<(Tenant Tenant, string App, BrowserSession Developer)> DeveloperAsync()
    {
        var (tenant, app) = await World.AppAsync();
        return (tenant, app, await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer)));
    }

    [Fact]
    public async Task A_developer_defines_a_pipeline_with_the_form_and_its_secret_is_shown_once_then_masked()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        var editor = $"{Pages(tenant, app)}/new";

        var saved = await developer.PostFormAsync(editor, Form(), editor);
        var first = await developer.Http.GetStringAsync(saved.Headers.Location!.ToString());
        var again = await developer.Http.GetStringAsync($"{Pages(tenant, app)}/main");

        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal($"{Pages(tenant, app)}/main", saved.Headers.Location!.ToString());
        var secret = SecretShown().Match(first).Groups[1].Value;
        Assert.NotEmpty(secret);
        Assert.DoesNotContain(secret, again);
        Assert.Contains("••••••••", again);
        var stored = Assert.Single(await World.PipelinesOfAsync(tenant));
        Assert.Equal(PipelineArrangement.Yaml, stored.Yaml);
        Assert.Equal(secret, World.OpenSecret(stored.SealedWebhookSecret));
        Assert.DoesNotContain(secret, stored.SealedWebhookSecret);
        Assert.Contains($"https://localhost/hooks/pipelines/{stored.Id}", first);
        var list = WebUtility.HtmlDecode(await developer.Http.GetStringAsync(Pages(tenant, app)));
        Assert.Contains("build → deploy-dev (deploy dev)", list);
        Assert.Equal(1, await World.AuditCountAsync(tenant, PipelineAuditActions.PipelineCreated));
    }

    [Fact]
    public async Task A_yaml_with_problems_is_refused_with_each_at_its_line_keeps_the_text_typed_and_saves_nothing()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        var editor = $"{Pages(tenant, app)}/new";
        const string typed = "stages:\n  - name: ship\n    kind: deploy\n    timeout: soon\n    colour: blue\n";
        var form = Form();
        form["Mode"] = "yaml";
        form["Yaml"] = typed;

        var refused = await developer.PostFormAsync(editor, form, editor);
        var html = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches("id=\"yaml-problems\"[^>]*>\\s*<li>Line 5: Unknown key 'colour'", html);
        Assert.Contains("<li>Line 4: ", html);
        Assert.Contains(typed, html);
        Assert.Empty(await World.PipelinesOfAsync(tenant));
    }

    [Fact]
    public async Task A_problem_of_the_form_is_shown_next_to_its_field_and_saves_nothing()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        var editor = $"{Pages(tenant, app)}/new";
        var form = Form(environment: "Not An Environment");
        form["Stages[0].Timeout"] = "soon";

        var refused = await developer.PostFormAsync(editor, form, editor);
        var html = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches("data-valmsg-for=\"Stages\\[0\\].Timeout\"[^>]*>[^<]*soon", html);
        Assert.Empty(await World.PipelinesOfAsync(tenant));

        form["Stages[0].Timeout"] = "";
        var second = await developer.PostFormAsync(editor, form, editor);
        var again = WebUtility.HtmlDecode(await second.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Matches(
            "data-valmsg-for=\"Stages\\[1\\].Environment\"[^>]*>[^<]*'Not An Environment', which is not",
            again
        );
        Assert.Empty(await World.PipelinesOfAsync(tenant));
    }

    [Fact]
    public async Task A_name_the_application_already_has_is_refused_next_to_the_name()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        await World.PipelineAsync(tenant, app, "main");
        var editor = $"{Pages(tenant, app)}/new";

        var refused = await developer.PostFormAsync(editor, Form("main"), editor);
        var html = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches("data-valmsg-for=\"Name\"[^>]*>[^<]*already has a pipeline named 'main'", html);
        Assert.Single(await World.PipelinesOfAsync(tenant));
    }

    [Fact]
    public async Task The_conversion_turns_the_form_into_its_yaml_and_the_yaml_into_the_form()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        var convert = $"{Pages(tenant, app)}/convert";
        var editor = $"{Pages(tenant, app)}/new";
        var toYaml = Form();
        toYaml["to"] = "yaml";
        var toForm = new Dictionary<string, string>
        {
            ["to"] = "form",
            ["Yaml"] =
                PipelineArrangement.Yaml
                + "  - name: approve\n    kind: approval\n    approvers:\n      roles: [Developer]\n"
                + "      members: [ops@portal.test]\n",
        };

        var yaml = await JsonAsync(await developer.PostFormAsync(convert, toYaml, editor));
        var form = await JsonAsync(await developer.PostFormAsync(convert, toForm, editor));

        Assert.Equal(PipelineArrangement.Yaml, yaml.GetProperty("yaml").GetString());
        Assert.Equal("main", form.GetProperty("fields").GetProperty("Branches").GetString());
        var stages = form.GetProperty("stages");
        Assert.Equal(3, stages.GetArrayLength());
        Assert.Equal("dev", stages[1].GetProperty("Environment").GetString());
        Assert.Equal("approval", stages[2].GetProperty("Kind").GetString());
        Assert.Equal("Developer", stages[2].GetProperty("Roles")[0].GetString());
        Assert.Equal("ops@portal.test", stages[2].GetProperty("Members").GetString());
        Assert.Empty(await World.PipelinesOfAsync(tenant));
    }

    [Fact]
    public async Task The_conversion_answers_the_yaml_problems_at_their_lines_and_the_form_problems_at_their_fields()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        var convert = $"{Pages(tenant, app)}/convert";
        var editor = $"{Pages(tenant, app)}/new";
        var badForm = Form(environment: "");
        badForm["to"] = "yaml";
        var badYaml = new Dictionary<string, string>
        {
            ["to"] = "form",
            ["Yaml"] = "stages:\n  - name: build\n    kind: compile\n",
        };

        var formAnswer = await developer.PostFormAsync(convert, badForm, editor);
        var yamlAnswer = await developer.PostFormAsync(convert, badYaml, editor);

        Assert.Equal(HttpStatusCode.BadRequest, formAnswer.StatusCode);
        var formProblem = (await JsonAsync(formAnswer)).GetProperty("problems")[0];
        Assert.Equal("Stages[1].Environment", formProblem.GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, yamlAnswer.StatusCode);
        var yamlProblem = (await JsonAsync(yamlAnswer)).GetProperty("problems")[0];
        Assert.Equal("Yaml", yamlProblem.GetProperty("field").GetString());
        Assert.StartsWith("Line 3: Stage 'build' has kind 'compile'", yamlProblem.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Saving_the_yaml_tab_changes_the_pipeline_and_the_list_shows_its_stages_and_last_run()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        var (id, _) = await World.PipelineAsync(tenant, app, "main");
        await World.RunAsync(tenant, id, admitted: false);
        var number = await World.RunAsync(tenant, id, admitted: true);
        var edit = $"{Pages(tenant, app)}/main/edit";
        var yaml = PipelineArrangement.Yaml + "  - name: smoke\n    kind: test\n    probe:\n      environment: dev\n";

        var shown = await developer.Http.GetStringAsync(edit);
        var saved = await developer.PostFormAsync(edit, new() { ["Mode"] = "yaml", ["Yaml"] = yaml }, edit);
        var list = WebUtility.HtmlDecode(await developer.Http.GetStringAsync(Pages(tenant, app)));

        Assert.Contains("value=\"deploy-dev\"", shown);
        Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
        Assert.Equal(yaml, Assert.Single(await World.PipelinesOfAsync(tenant)).Yaml);
        Assert.Contains("build → deploy-dev (deploy dev) → smoke (test)", list);
        Assert.Contains($"#{number}", list);
        Assert.Contains(nameof(RunState.Running), list);
        Assert.Equal(1, await World.AuditCountAsync(tenant, PipelineAuditActions.PipelineChanged));
    }

    [Fact]
    public async Task Without_javascript_the_server_adds_moves_and_removes_stages_and_saves_nothing()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        var editor = $"{Pages(tenant, app)}/new";
        var form = Form();

        form["Act"] = "add";
        var added = await (await developer.PostFormAsync(editor, form, editor)).Content.ReadAsStringAsync();
        form["Act"] = "up-1";
        var moved = await (await developer.PostFormAsync(editor, form, editor)).Content.ReadAsStringAsync();
        form["Act"] = "remove-0";
        var removed = await (await developer.PostFormAsync(editor, form, editor)).Content.ReadAsStringAsync();

        Assert.Contains("name=\"Stages[2].Name\"", added);
        Assert.Matches("name=\"Stages\\[0\\].Name\" value=\"deploy-dev\"", moved);
        Assert.DoesNotContain("name=\"Stages[1].Name\"", removed);
        Assert.Matches("name=\"Stages\\[0\\].Name\" value=\"deploy-dev\"", removed);
        Assert.Empty(await World.PipelinesOfAsync(tenant));
    }

    [Fact]
    public async Task Rotating_the_secret_shows_the_new_one_once_and_the_old_one_no_longer_opens()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        var (_, old) = await World.PipelineAsync(tenant, app, "main");
        var page = $"{Pages(tenant, app)}/main";

        var rotated = await developer.PostFormAsync($"{page}/rotate-secret", new(), page);
        var shown = await developer.Http.GetStringAsync(page);
        var later = await developer.Http.GetStringAsync(page);

        Assert.Equal(HttpStatusCode.Redirect, rotated.StatusCode);
        var secret = SecretShown().Match(shown).Groups[1].Value;
        Assert.NotEmpty(secret);
        Assert.NotEqual(old, secret);
        Assert.DoesNotContain(secret, later);
        var stored = Assert.Single(await World.PipelinesOfAsync(tenant));
        Assert.Equal(secret, World.OpenSecret(stored.SealedWebhookSecret));
        Assert.Equal(1, await World.AuditCountAsync(tenant, PipelineAuditActions.WebhookSecretRotated));
    }

    [Fact]
    public async Task The_page_shows_the_definition_the_webhook_hosts_and_the_deliveries()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        var (id, _) = await World.PipelineAsync(tenant, app, "main");
        await World.DeliveryAsync(tenant, id, "started run 1");

        var html = WebUtility.HtmlDecode(await developer.Http.GetStringAsync($"{Pages(tenant, app)}/main"));

        Assert.Contains($"https://localhost/hooks/pipelines/{id}", html);
        Assert.Contains("application/json", html);
        Assert.Contains("X-Gitlab-Token", html);
        Assert.Contains("X-Gitea-Signature", html);
        Assert.Contains("started run 1", html);
        Assert.Contains("refs/heads/main", html);
        Assert.Contains("data-stage=\"deploy-dev\"", html);
        Assert.Contains("Rotate secret", html);
    }

    [Fact]
    public async Task A_developer_starts_a_run_of_a_chosen_ref_and_commit_and_without_a_source_is_told_why()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        await World.PipelineAsync(tenant, app, "main");
        var page = $"{Pages(tenant, app)}/main";
        var sha = new string('d', 40);

        var refused = await developer.PostFormAsync($"{page}/start", new() { ["Ref"] = "main", ["Sha"] = "" }, page);
        var why = WebUtility.HtmlDecode(await developer.Http.GetStringAsync(page));
        var runsBefore = (await World.RunsOfAsync(tenant)).Count;
        await World.SourceAsync(tenant, app);
        var started = await developer.PostFormAsync($"{page}/start", new() { ["Ref"] = "main", ["Sha"] = sha }, page);
        var done = WebUtility.HtmlDecode(await developer.Http.GetStringAsync(page));

        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.Contains("has no source to build", why);
        Assert.Equal(0, runsBefore);
        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        Assert.Contains("Run 1 of main is started on main.", done);
        var run = Assert.Single(await World.RunsOfAsync(tenant));
        Assert.Equal(TriggerKind.Manual, run.Trigger.Kind);
        Assert.Equal(sha, run.Trigger.Sha);
    }

    [Fact]
    public async Task Deleting_needs_the_name_typed_and_is_refused_while_a_run_goes()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        var (id, _) = await World.PipelineAsync(tenant, app, "main");
        var page = $"{Pages(tenant, app)}/main";
        var number = await World.RunAsync(tenant, id, admitted: true);

        var unconfirmed = await developer.PostFormAsync($"{page}/delete", new() { ["confirmName"] = "" }, page);
        var going = await developer.PostFormAsync($"{page}/delete", new() { ["confirmName"] = "main" }, page);
        var refusal = WebUtility.HtmlDecode(await developer.Http.GetStringAsync(page));

        Assert.Equal(HttpStatusCode.Redirect, unconfirmed.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, going.StatusCode);
        Assert.Contains("cancel them first", refusal);
        Assert.Single(await World.PipelinesOfAsync(tenant));
        Assert.True(number > 0);

        var (tenant2, app2, developer2) = await DeveloperAsync();
        await World.PipelineAsync(tenant2, app2, "main");
        var page2 = $"{Pages(tenant2, app2)}/main";
        var deleted = await developer2.PostFormAsync($"{page2}/delete", new() { ["confirmName"] = "main" }, page2);
        Assert.Equal(Pages(tenant2, app2), deleted.Headers.Location!.ToString());
        Assert.Empty(await World.PipelinesOfAsync(tenant2));
        Assert.Equal(1, await World.AuditCountAsync(tenant2, PipelineAuditActions.PipelineDeleted));
    }

    [Fact]
    public async Task A_viewer_reads_the_pipelines_but_cannot_open_the_editor_or_change_them()
    {
        var (tenant, app) = await World.AppAsync();
        await World.PipelineAsync(tenant, app, "main");
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var page = $"{Pages(tenant, app)}/main";

        var list = await viewer.GetAsync(Pages(tenant, app));
        var shown = await viewer.Http.GetStringAsync(page);
        var editor = await viewer.GetAsync($"{page}/edit");
        var rotate = await viewer.PostFormAsync($"{page}/rotate-secret", new(), page);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.DoesNotContain("New pipeline", await list.Content.ReadAsStringAsync());
        Assert.DoesNotContain("Rotate secret", shown);
        Assert.Equal(HttpStatusCode.Forbidden, editor.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, rotate.StatusCode);
    }

    [Fact]
    public async Task A_suspended_tenant_cannot_define_a_pipeline()
    {
        var (tenant, app, developer) = await DeveloperAsync();
        var editor = $"{Pages(tenant, app)}/new";
        var admin = await Arrange.AdminAsync();
        var form = await developer.Http.GetStringAsync(editor);

        await admin.PostFormAsync($"/admin/tenants/{tenant.Slug}/suspend", new(), $"/admin/tenants/{tenant.Slug}");
        var refused = await developer.PostFormAsync(editor, Form(), Pages(tenant, app));

        Assert.Contains("pipeline-editor", form);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Empty(await World.PipelinesOfAsync(tenant));
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    [GeneratedRegex("id=\"new-secret\">([^<]+)<")]
    private static partial Regex SecretShown();
}
