using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Applications;
using Portal.Domain.Environments;
using Portal.Domain.Tenancy;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Routing;

/// <summary>
/// A route word in the place of a name users choose ("/t/{tenant}/apps/new" beside "/t/{tenant}/apps/{app}") would hide
/// the page of an application or environment of that name. Every such word, found in the app's routes so that a new
/// page is covered without touching this test, must be refused as a name.
/// </summary>
public sealed class RouteNameClashTests(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private Arrange Arrange => new(portal.Factory);

    /// <summary>Route parameters holding names users choose, and whether a name is refused by its rule.</summary>
    private static readonly Dictionary<string, Func<string, bool>> ChosenNames = new()
    {
        ["app"] = word => !ApplicationName.Create(word).Succeeded,
        ["environment"] = word => TenantEnvironment.NameProblem(word) is not null,
    };

    [Fact]
    public void No_route_word_can_be_taken_by_an_application_or_environment_name()
    {
        var patterns = portal
            .Factory.Services.GetRequiredService<EndpointDataSource>()
            .Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern)
            .Where(p =>
                !p.RawText!.StartsWith("/api/", StringComparison.Ordinal)
                && !p.RawText.StartsWith("api/", StringComparison.Ordinal)
            )
            .ToList();

        var clashes = (
            from named in patterns
            from literal in patterns
            let at = ClashAt(named, literal)
            where at is not null && !ChosenNames[at.Value.Parameter](at.Value.Word)
            select (
                $"'{at.Value.Word}' in {literal.RawText} hides the {at.Value.Parameter} "
                + $"'{at.Value.Word}' of {named.RawText}"
            )
        )
            .Distinct()
            .ToList();

        Assert.Empty(clashes);
        Assert.Contains(patterns, p =>
            ClashAt(p, patterns.First(q => q.RawText!.TrimStart('/') == "t/{tenant}/apps/new")) is not null
        );
    }

    [Theory]
    [InlineData("new")]
    [InlineData("import")]
    public async Task An_application_named_after_a_route_word_is_refused_on_its_field(string name)
    {
        var tenant = await Arrange.TenantAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));

        var refused = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/apps/new",
            new()
            {
                ["Name"] = name,
                ["Owner"] = "team-shop",
                ["Image"] = "nginx:1.27",
                ["Port"] = "http:8080",
                ["Replicas"] = "1",
                ["CpuRequest"] = "100m",
                ["CpuLimit"] = "200m",
                ["MemoryRequest"] = "64Mi",
                ["MemoryLimit"] = "128Mi",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains($"'{name}' is reserved", WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync()));
        Assert.False(
            await Arrange.QueryAsync(db => db.Applications.IgnoreQueryFilters().AnyAsync(a => a.TenantId == tenant.Id))
        );
    }

    [Fact]
    public void An_environment_named_after_a_route_word_is_refused()
    {
        Assert.Contains("'catalog' is reserved", TenantEnvironment.NameProblem("catalog")!.Message);
        Assert.Contains("'new' is reserved", TenantEnvironment.NameProblem("new")!.Message);
        Assert.Null(TenantEnvironment.NameProblem("catalogue"));
    }

    /// <summary>
    /// Where a literal segment of one route stands in the place of a chosen-name parameter of another with the same
    /// segments before it and a compatible rest, so that the literal wins and the named page cannot be reached.
    /// </summary>
    private static (string Parameter, string Word)? ClashAt(RoutePattern named, RoutePattern literal)
    {
        if (named.PathSegments.Count != literal.PathSegments.Count)
            return null;
        (string, string)? found = null;
        for (var i = 0; i < named.PathSegments.Count; i++)
        {
            var a = Single(named.PathSegments[i]);
            var b = Single(literal.PathSegments[i]);
            if (
                a is RoutePatternParameterPart parameter
                && b is RoutePatternLiteralPart word
                && ChosenNames.ContainsKey(parameter.Name)
            )
                found ??= (parameter.Name, word.Content);
            else if (a is not RoutePatternParameterPart && b is not RoutePatternParameterPart && !Same(a, b))
                return null;
        }
        return found;
    }

    /// <summary>
    /// The one part of a segment, or null for a segment of several parts ("{name}.{ext}"), which no other segment
    /// equals.
    /// </summary>
    private static RoutePatternPart? Single(RoutePatternPathSegment segment) =>
        segment.Parts.Count == 1 ? segment.Parts[0] : null;

    private static bool Same(RoutePatternPart? a, RoutePatternPart? b) =>
        (a, b) switch
        {
            (RoutePatternLiteralPart x, RoutePatternLiteralPart y) => x.Content == y.Content,
            _ => false,
        };
}
