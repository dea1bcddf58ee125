using System.Reflection;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Portal.Web.Applications;
using Portal.Web.Common;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Routing;

/// <summary>
/// Links and redirects are made by the routes classes of the features (<c>ApplicationRoutes</c>, …) from the templates
/// their actions are routed by. Every <c>…Url</c> method, found by reflection so that a new one is covered, must make
/// an address that routing leads to the action of its own template; and every page action must be routed by such a
/// template.
/// </summary>
public sealed class RouteBuilderTests(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private static readonly Guid SampleId = Guid.Parse("6f1c2a9e-51c4-4f0e-9a53-2b8f0d7f3c11");

    [Fact]
    public void Every_url_method_makes_an_address_routed_to_the_action_of_its_own_template()
    {
        var endpoints = Endpoints();
        var checkedUrls = 0;
        var wrong = new List<string>();

        foreach (var routes in RoutesClasses())
        foreach (var method in routes.GetMethods(BindingFlags.Public | BindingFlags.Static))
        {
            Assert.True(
                method.Name.EndsWith("Url", StringComparison.Ordinal) && method.ReturnType == typeof(string),
                $"{routes.Name}.{method.Name} is not a '…Url' method returning a string."
            );
            var name = method.Name[..^"Url".Length];
            foreach (var (arguments, template) in Calls(routes, method, name))
            {
                var url = (string)method.Invoke(null, arguments)!;
                var routed = RoutedTemplate(endpoints, url);
                checkedUrls++;
                if (routed != template.TrimStart('/'))
                    wrong.Add(
                        $"{routes.Name}.{method.Name} made {url}, routed to '{routed ?? "nothing"}', not '{template}'"
                    );
            }
        }

        Assert.Empty(wrong);
        Assert.True(checkedUrls > 100, $"Only {checkedUrls} addresses were made; the enumeration is broken.");
    }

    [Fact]
    public void Every_page_action_is_routed_by_a_template_of_a_routes_class()
    {
        var templates = RoutesClasses()
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .Select(f => ((string)f.GetRawConstantValue()!).TrimStart('/'))
            .ToHashSet();

        var pages = Endpoints()
            .Where(e => e.Metadata.GetMetadata<ControllerActionDescriptor>() is not null)
            .Select(e => e.RoutePattern.RawText!.TrimStart('/'))
            .Where(t => !t.StartsWith("api/", StringComparison.Ordinal))
            .Where(t => !t.StartsWith("connect/", StringComparison.Ordinal))
            .Distinct()
            .ToList();

        Assert.True(pages.Count > 100, $"Only {pages.Count} page routes were found; the enumeration is broken.");
        Assert.All(pages, page => Assert.Contains(page, templates));
    }

    [Fact]
    public void A_value_is_escaped_as_a_path_segment()
    {
        Assert.Equal("/t/a%20b/apps/c%2Fd", ApplicationRoutes.DetailUrl("a b", "c/d"));
        Assert.Equal("/t/acme/apps/shop", ApplicationRoutes.DetailUrl("acme", "shop"));
        Assert.Throws<ArgumentException>(() => RouteUrl.Fill(ApplicationRoutes.Detail, "acme"));
        Assert.Throws<ArgumentException>(() => RouteUrl.Fill(ApplicationRoutes.List, "acme", "shop"));
    }

    private static IEnumerable<Type> RoutesClasses()
    {
        var classes = typeof(ApplicationRoutes)
            .Assembly.GetTypes()
            .Where(t => t is { IsAbstract: true, IsSealed: true, IsNested: false })
            .Where(t => t.Name.EndsWith("Routes", StringComparison.Ordinal))
            .ToList();
        Assert.True(classes.Count >= 10, $"Only {classes.Count} routes classes were found.");
        return classes;
    }

    /// <summary>
    /// The arguments to call a method with and the template it must reach: a tenant's, and where the tenant may be left
    /// out (null), the platform's of the same name.
    /// </summary>
    private static IEnumerable<(object?[] Arguments, string Template)> Calls(
        Type routes,
        MethodInfo method,
        string name
    )
    {
        var parameters = method.GetParameters();
        var nullability = new NullabilityInfoContext();
        yield return ([.. parameters.Select(Sample)], Template(routes, name));
        if (
            parameters.FirstOrDefault() is { Name: "tenant" } tenant
            && nullability.Create(tenant).WriteState is NullabilityState.Nullable
        )
            yield return ([null, .. parameters.Skip(1).Select(Sample)], Template(routes, "Platform" + name));
    }

    private static string Template(Type routes, string name) =>
        routes.GetField(name, BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
        ?? throw new InvalidOperationException($"{routes.Name} has no template '{name}' for its method '{name}Url'.");

    private static object Sample(ParameterInfo parameter) =>
        parameter.ParameterType == typeof(Guid) ? SampleId
        : parameter.ParameterType == typeof(int) ? 404
        : $"sample-{parameter.Name}";

    /// <summary>
    /// The template of the endpoint routing picks for a path: the most specific pattern that matches it.
    /// </summary>
    private static string? RoutedTemplate(IEnumerable<RouteEndpoint> endpoints, string url) =>
        endpoints
            .Where(e =>
                new TemplateMatcher(
                    TemplateParser.Parse(e.RoutePattern.RawText!.TrimStart('/')),
                    new RouteValueDictionary()
                ).TryMatch(url.Split('?')[0], new RouteValueDictionary())
            )
            .OrderBy(e => e.RoutePattern.InboundPrecedence)
            .FirstOrDefault()
            ?.RoutePattern.RawText!.TrimStart('/');

    private List<RouteEndpoint> Endpoints() =>
        portal.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
}
