using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Operations;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Applications;

/// <summary>
/// An application's objects in an environment as read-only YAML with secret values masked, and a new application's form
/// filled in from a Kubernetes Deployment's YAML: bad YAML is refused with its line, and an import saves nothing.
/// </summary>
public sealed class ApplicationYamlScenarios(SandboxPortal portal) : IClassFixture<SandboxPortal>
{
    private const string SecretValue = "k3y-s3cr3t-v4lue";
    private Arrange Arrange => new(portal.Factory);
    private SandboxWorld World => new(portal.Factory);

    private const string DeploymentYaml = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: orders-api
          labels: {app: orders-api}
        spec:
          replicas: 3
          selector:
            matchLabels: {app: orders-api}
          template:
            metadata:
              labels: {app: orders-api}
            spec:
              serviceAccountName: orders
              containers:
                - name: orders-api
                  image: registry.example.com/shop/orders-api:1.4.2
                  ports:
                    - {name: http, containerPort: 8080}
                  env:
                    - {name: LOG_LEVEL, value: info}
                    - name: DB_PASSWORD
                      valueFrom:
                        secretKeyRef: {name: db-credentials, key: password}
                  resources:
                    requests: {cpu: 250m, memory: 256Mi}
                    limits: {cpu: "1", memory: 512Mi}
                  readinessProbe:
                    httpGet: {path: /ready, port: http}
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: orders-api
        spec:
          selector: {app: orders-api}
          ports:
            - {port: 80, targetPort: 8080}
        """;

    [Fact]
    public async Task The_yaml_of_a_deployed_application_shows_its_objects_read_only_with_every_secret_value_masked()
    {
        var (tenant, admin, pool) = await World.TenantWithQuotaAsync(cpu: "4");
        await World.ReadyEnvironmentAsync(tenant, admin, pool, "dev", "2");
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var created = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/new",
            new()
            {
                ["Name"] = "orders",
                ["Owner"] = "team-shop",
                ["Image"] = "nginx:1.27",
                ["Port"] = "http:8080",
                ["Replicas"] = "1",
                ["Variables"] = "MODE=prod",
                ["Secrets"] = $"API_KEY={SecretValue}",
                ["CpuRequest"] = "100m",
                ["CpuLimit"] = "200m",
                ["MemoryRequest"] = "64Mi",
                ["MemoryLimit"] = "128Mi",
                ["ServicePort"] = "80",
            }
        );
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var before = await viewer.GetAsync($"/t/{tenant.Slug}/apps/orders/environments/dev/yaml");
        await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/orders/environments/dev/deploy",
            new() { ["note"] = "first" }
        );
        await SandboxWorld.EventuallyAsync(
            () =>
                Arrange.QueryAsync(db =>
                    db.Operations.IgnoreQueryFilters()
                        .AnyAsync(o =>
                            o.TenantId == tenant.Id
                            && o.Kind == "application.deploy"
                            && o.State == OperationState.Succeeded
                        )
                ),
            "the deploy to succeed",
            40
        );

        var detail = await (await viewer.GetAsync($"/t/{tenant.Slug}/apps/orders")).Content.ReadAsStringAsync();
        var page = await viewer.GetAsync($"/t/{tenant.Slug}/apps/orders/environments/dev/yaml");
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        var download = await viewer.GetAsync($"/t/{tenant.Slug}/apps/orders/environments/dev/yaml?download=true");
        var downloaded = await download.Content.ReadAsStringAsync();
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Viewer));
        var json = await api.GetAsync($"/api/v1/tenants/{tenant.Slug}/apps/orders/environments/dev/manifests");
        using var yamlRequest = new HttpRequestMessage(
            HttpMethod.Get,
            $"/api/v1/tenants/{tenant.Slug}/apps/orders/environments/dev/manifests"
        );
        yamlRequest.Headers.Accept.ParseAdd("application/yaml");
        var yaml = await api.SendAsync(yamlRequest);
        var yamlText = await yaml.Content.ReadAsStringAsync();
        var missing = await api.GetAsync($"/api/v1/tenants/{tenant.Slug}/apps/orders/environments/prod/manifests");

        Assert.Equal(HttpStatusCode.NotFound, before.StatusCode); // not deployed there: nothing is rendered
        Assert.Contains($"/t/{tenant.Slug}/apps/orders/environments/dev/yaml", detail);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        foreach (var text in new[] { html, downloaded, yamlText })
        {
            Assert.Contains("kind: Deployment", text);
            Assert.Contains("kind: Service", text);
            Assert.Contains("kind: Secret", text);
            Assert.Contains("image: nginx:1.27", text);
            Assert.Contains($"namespace: {tenant.Slug}-dev", text);
            Assert.Contains("'API_KEY': '••••••'", text);
            Assert.DoesNotContain(SecretValue, text);
            Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(SecretValue)), text);
        }
        Assert.Equal("application/yaml", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.OK, json.StatusCode);
        var objects = (await json.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("objects")
            .EnumerateArray()
            .Select(o => o.GetProperty("kind").GetString())
            .ToList();
        Assert.Contains("Deployment", objects);
        Assert.Contains("Secret", objects);
        Assert.DoesNotContain(SecretValue, await json.Content.ReadAsStringAsync());
        Assert.Equal("application/yaml", yaml.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Importing_a_deployment_fills_in_the_new_application_form_says_what_was_not_carried_over_and_saves_nothing()
    {
        var (tenant, _, _) = await World.TenantWithQuotaAsync(cpu: "4");
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var form = await developer.GetAsync($"/t/{tenant.Slug}/apps/import");
        var imported = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/import",
            new() { ["Yaml"] = DeploymentYaml }
        );
        var byViewer = await viewer.PostFormAsync($"/t/{tenant.Slug}/apps/import", new() { ["Yaml"] = DeploymentYaml });

        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        var page = WebUtility.HtmlDecode(await imported.Content.ReadAsStringAsync());
        Assert.Contains("id=\"application-form\"", page);
        Assert.Contains("action=\"/t/" + tenant.Slug + "/apps/new\"", page);
        Assert.Contains("value=\"orders-api\"", page);
        Assert.Contains("value=\"registry.example.com/shop/orders-api:1.4.2\"", page);
        Assert.Contains("value=\"http:8080\"", page);
        Assert.Contains("value=\"3\"", page);
        Assert.Contains("value=\"250m\"", page);
        Assert.Contains("DB_PASSWORD=db-credentials/password", page);
        Assert.Contains("LOG_LEVEL=info", page);
        Assert.Contains("Filled in from Deployment 'orders-api'", page);
        Assert.Contains("serviceAccountName", page);
        Assert.Equal(HttpStatusCode.Forbidden, byViewer.StatusCode);
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.Applications.IgnoreQueryFilters().CountAsync(a => a.TenantId == tenant.Id)
            )
        );
    }

    [Theory]
    [InlineData(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: [orders\nspec: {}\n",
        "Line 4, column 9: the YAML does not parse after this point"
    )]
    [InlineData("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\n spec: {}\n", "Line 5")]
    [InlineData(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: orders\n",
        "holds no Deployment, only Service 'orders' (line 1)"
    )]
    [InlineData(
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, "
            + "*a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
        "Line 2, column 8: an alias (*) repeats another part of the YAML"
    )]
    public async Task Bad_yaml_is_refused_with_where_it_fails_on_the_page_and_in_the_api_and_nothing_is_saved(
        string yaml,
        string message
    )
    {
        var (tenant, _, _) = await World.TenantWithQuotaAsync(cpu: "4");
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));

        var refused = await developer.PostFormAsync($"/t/{tenant.Slug}/apps/import", new() { ["Yaml"] = yaml });
        var byApi = await api.PostAsJsonAsync($"/api/v1/tenants/{tenant.Slug}/apps/import", new { yaml });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var page = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
        var refusal = System.Text.RegularExpressions.Regex.Match(
            page,
            "id=\"yaml-refusal\" data-valmsg-for=\"Yaml\">(.*?)</div>",
            System.Text.RegularExpressions.RegexOptions.Singleline
        );
        Assert.True(refusal.Success, "The refusal is not next to the YAML field.");
        Assert.Contains(message, refusal.Groups[1].Value);
        Assert.Equal(HttpStatusCode.BadRequest, byApi.StatusCode);
        Assert.Equal("application/problem+json", byApi.Content.Headers.ContentType!.MediaType);
        Assert.Contains(
            message,
            WebUtility
                .HtmlDecode(await byApi.Content.ReadAsStringAsync())
                .Replace("\\u0027", "'", StringComparison.Ordinal)
        );
        Assert.Equal(
            0,
            await Arrange.QueryAsync(db =>
                db.Applications.IgnoreQueryFilters().CountAsync(a => a.TenantId == tenant.Id)
            )
        );
    }

    [Fact]
    public async Task Yaml_over_the_size_bound_or_nested_too_deep_is_refused_before_a_tree_of_it_is_built()
    {
        var (tenant, _, _) = await World.TenantWithQuotaAsync(cpu: "4");
        var api = await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer));
        var yaml = DeploymentYaml + "\n# " + new string('x', 300 * 1024) + "\n";

        var refused = await api.PostAsJsonAsync($"/api/v1/tenants/{tenant.Slug}/apps/import", new { yaml });
        var deep = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps/import",
            new { yaml = "a: " + new string('[', 10_000) }
        );
        var accepted = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/apps/import",
            new { yaml = DeploymentYaml }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("an import takes at most 256 KiB", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, deep.StatusCode);
        Assert.Contains("nests more than 64 levels", await deep.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var spec = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("spec");
        Assert.Equal("registry.example.com/shop/orders-api:1.4.2", spec.GetProperty("image").GetString());
        Assert.Equal(3, spec.GetProperty("replicas").GetInt32());
    }
}
