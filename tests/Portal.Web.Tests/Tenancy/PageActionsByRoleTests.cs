using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Tenancy;
using Portal.Web.Tenancy;
using Portal.Web.Tests.Support;
using Xunit.Abstractions;

namespace Portal.Web.Tests.Tenancy;

/// <summary>
/// Every page of a tenant (found in the app's endpoints, so that new pages are covered), as a member of each role below
/// tenant admin sees it: no form on it posts to an action the role is refused, and no link on it leads to a page the
/// role is refused (a platform page included). A Viewer's pages therefore hold no form that changes anything.
/// </summary>
public sealed partial class PageActionsByRoleTests(SqlitePortal portal, ITestOutputHelper output)
    : IClassFixture<SqlitePortal>
{
    private Arrange Arrange => new(portal.Factory);

    [Theory]
    [InlineData(TenantRole.Viewer)]
    [InlineData(TenantRole.Developer)]
    public async Task A_members_pages_offer_no_action_and_no_link_their_role_is_refused(TenantRole role)
    {
        var routes = await WorldAsync();
        var member = await Arrange.SignedInAsync(await Arrange.MemberAsync(routes.Tenant, role));
        var pages = Endpoints("GET").Where(e => !IsApi(e)).ToList();
        Assert.True(pages.Count >= 20, $"Only {pages.Count} tenant pages were found; the enumeration is broken.");
        var offered = new List<string>();
        var read = 0;

        foreach (var page in pages)
        {
            var url = Fill(page, routes.Values);
            var response = await member.GetAsync(url);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                output.WriteLine($"{(int)response.StatusCode} {url}");
                continue; // a page the role may not open offers it nothing (TenantIsolationTests covers the refusal)
            }
            read++;
            var html = await response.Content.ReadAsStringAsync();
            foreach (Match form in FormPattern().Matches(html))
            {
                if (!form.Groups["method"].Value.Equals("post", StringComparison.OrdinalIgnoreCase))
                    continue;
                var action = WebUtility.HtmlDecode(form.Groups["action"].Success ? form.Groups["action"].Value : url);
                if (action == "/account/logout")
                    continue;
                if (RoleNeeded("POST", action) is { } needed && !role.Allows(needed))
                    offered.Add($"{url}: a form posting to {action} (needs {needed})");
            }
            foreach (
                var href in LinkPattern()
                    .Matches(html)
                    .Select(m => WebUtility.HtmlDecode(m.Groups["href"].Value))
                    .Distinct()
            )
            {
                if (href == "/admin" || href.StartsWith("/admin/", StringComparison.Ordinal))
                    offered.Add($"{url}: a link to {href} (needs a platform admin)");
                else if (RoleNeeded("GET", href) is { } needed && !role.Allows(needed))
                    offered.Add($"{url}: a link to {href} (needs {needed})");
            }
        }

        output.WriteLine($"{read} of {pages.Count} tenant pages read as {role}");
        Assert.True(read >= 15, $"Only {read} pages could be read as {role}; the world is not arranged for them.");
        Assert.Empty(offered.Distinct());
    }

    private sealed record World(Tenant Tenant, IReadOnlyDictionary<string, string> Values);

    /// <summary>A tenant with one of everything a page can show, and the route values that name them.</summary>
    private async Task<World> WorldAsync()
    {
        var tenant = await Arrange.TenantAsync();
        var member = await Arrange.MemberAsync(tenant, TenantRole.Developer);
        var invitation = await Arrange.InvitationAsync(
            tenant,
            $"{Arrange.Unique("invitee")}@portal.test",
            TenantRole.Viewer
        );
        var account = await Arrange.ServiceAccountAsync(tenant, TenantRole.Developer);
        var environment = await Arrange.EnvironmentAsync(tenant);
        var (app, pod) = await Arrange.ApplicationAsync(tenant, environment);
        var instance = await Arrange.MiddlewareInstanceAsync(tenant, environment);
        var monitoring = await Arrange.MonitoringAsync(tenant, environment, app);
        var operation = await Arrange.FailedOperationAsync(tenant);
        await Arrange.SucceededBuildAsync(tenant, app, "Acme");
        await new Pipelines.PipelineArrangement(portal.Factory).PipelineAsync(tenant, app, "ship");
        return new World(
            tenant,
            new Dictionary<string, string>
            {
                ["tenant"] = tenant.Slug,
                ["memberId"] = member.Id.ToString(),
                ["invitationId"] = invitation.ToString(),
                ["serviceAccountId"] = account.Id.ToString(),
                ["operationId"] = operation.ToString(),
                ["environment"] = environment,
                ["app"] = app,
                ["pod"] = pod,
                ["revision"] = "1",
                ["build"] = "1",
                ["from"] = "1",
                ["to"] = "1",
                ["area"] = "monitoring",
                ["pool"] = "some-pool",
                ["instance"] = instance,
                ["template"] = "redis",
                ["version"] = "7.2.7",
                ["plan"] = "small",
                ["ruleId"] = monitoring.RuleId.ToString(),
                ["channelId"] = monitoring.ChannelId.ToString(),
                ["alertId"] = monitoring.AlertId.ToString(),
                ["pipeline"] = "ship",
            }
        );
    }

    /// <summary>
    /// The least role the page or action behind <paramref name="url"/> allows, from the policies of the endpoint that
    /// routing would pick (the most specific pattern that matches); null for what is not a tenant's endpoint.
    /// </summary>
    private TenantRole? RoleNeeded(string method, string url)
    {
        var path = url.Split('?', '#')[0];
        if (!path.StartsWith("/t/", StringComparison.Ordinal))
            return null;
        var endpoint = Endpoints(method)
            .Where(e =>
                new TemplateMatcher(
                    TemplateParser.Parse(e.RoutePattern.RawText!.TrimStart('/')),
                    new RouteValueDictionary()
                ).TryMatch(path, new RouteValueDictionary())
            )
            .OrderBy(e => e.RoutePattern.InboundPrecedence)
            .FirstOrDefault();
        if (endpoint is null)
            return null;
        var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).ToList();
        return policies.Contains(TenantPolicies.Manage) || policies.Contains(TenantPolicies.AdminRead)
                ? TenantRole.TenantAdmin
            : policies.Contains(TenantPolicies.Develop) ? TenantRole.Developer
            : TenantRole.Viewer;
    }

    private List<RouteEndpoint> Endpoints(string method) =>
        portal
            .Factory.Services.GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.Parameters.Any(p => p.Name == "tenant"))
            .Where(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Contains(method))
            .ToList();

    private static bool IsApi(RouteEndpoint endpoint) =>
        endpoint.RoutePattern.RawText!.TrimStart('/').StartsWith("api/", StringComparison.Ordinal);

    private static string Fill(RouteEndpoint endpoint, IReadOnlyDictionary<string, string> values) =>
        "/"
        + Regex.Replace(endpoint.RoutePattern.RawText!.TrimStart('/'), @"\{(\w+)(:[^}]*)?\}", m =>
            values.TryGetValue(m.Groups[1].Value, out var value)
                ? Uri.EscapeDataString(value)
                : throw new InvalidOperationException(
                    $"The route '{endpoint.RoutePattern.RawText}' has a parameter "
                        + $"'{m.Groups[1].Value}' this test has no value for."
                )
        );

    [GeneratedRegex(
        """<form\b(?=[^>]*\bmethod="(?<method>\w+)")(?:(?=[^>]*\baction="(?<action>[^"]*)"))?[^>]*>""",
        RegexOptions.IgnoreCase
    )]
    private static partial Regex FormPattern();

    [GeneratedRegex("""<a\b[^>]*\bhref="(?<href>/(?:t|admin)\b[^"]*)"[^>]*>""", RegexOptions.IgnoreCase)]
    private static partial Regex LinkPattern();
}
