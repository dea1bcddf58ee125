using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Portal.Web.Benchmarks;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Benchmarks;

/// <summary>
/// The benchmarks' bare baseline page is part of the portal only when its setting turns it on: by default the route
/// does not exist at all.
/// </summary>
public sealed class BaselinePageTests
{
    [Fact]
    public async Task The_baseline_page_has_no_route_unless_the_benchmark_setting_turns_it_on()
    {
        await using var byDefault = new PortalFactory(DatabaseKind.Sqlite);
        await using var turnedOn = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?> { [BaselinePageSwitch.Setting] = "true" }
        );

        Assert.False(HasRoute(byDefault));
        Assert.True(HasRoute(turnedOn));
    }

    private static bool HasRoute(PortalFactory portal) =>
        portal
            .Services.GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .Any(e => e.RoutePattern.RawText?.TrimStart('/') == BaselinePageController.Route.TrimStart('/'));
}
