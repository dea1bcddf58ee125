using Portal.Domain.Applications;

namespace Portal.Domain.Tests.Applications;

public sealed class IngressRouteTests
{
    private static IngressRoute Route(string host, string? path = null) =>
        IngressRoute.Of(new Exposure(80, 8080, host, path))!;

    private static DomainList Domains(params string[] domains) => DomainList.Parse(domains, "Domains").Value;

    [Theory]
    [InlineData(null, "/")]
    [InlineData("/", "/")]
    [InlineData("/api", "/api")]
    [InlineData("/api/", "/api")]
    public void A_route_is_compared_by_its_host_and_its_path_without_a_trailing_slash(string? path, string expected) =>
        Assert.Equal(expected, Route("shop.example.com", path).Path);

    [Theory]
    [InlineData("shop.apps.example.com", true)]
    [InlineData("a.b.apps.example.com", true)]
    [InlineData("*.apps.example.com", true)]
    [InlineData("*.team.apps.example.com", true)]
    [InlineData("apps.example.com", false)]
    [InlineData("evilapps.example.com", false)]
    [InlineData("*.example.com", false)]
    [InlineData("shop.example.org", false)]
    public void A_host_is_within_a_domain_when_it_is_a_subdomain_of_it(string host, bool within) =>
        Assert.Equal(within, Domains("apps.example.com").Covers(Route(host)));

    [Theory]
    [InlineData("apps.example.com, example.org", new[] { "apps.example.com", "example.org" })]
    [InlineData("*.Apps.Example.com\nexample.org.", new[] { "apps.example.com", "example.org" })]
    [InlineData("", new string[0])]
    public void A_domain_list_is_read_from_commas_or_lines_in_lower_case(string text, string[] expected) =>
        Assert.Equal(expected, DomainList.Parse(text, "Domains").Value.Domains);

    [Theory]
    [InlineData("apps_example.com")]
    [InlineData("10.0.0.1")]
    [InlineData("*")]
    public void A_domain_that_is_not_one_is_refused(string text)
    {
        var parsed = DomainList.Parse(text, "Domains");

        Assert.False(parsed.Succeeded);
        Assert.Equal("Domains", parsed.Problem!.Field);
        Assert.Contains($"'{text}' is not a domain", parsed.Problem.Message);
    }

    [Theory]
    [InlineData("portal.example.com", true)]
    [InlineData("*.example.com", true)]
    [InlineData("other.example.com", false)]
    [InlineData("*.portal.example.com", false)]
    [InlineData("sso.corp.example.com", true)]
    [InlineData("*.corp.example.com", true)]
    [InlineData("*.team.corp.example.com", true)]
    [InlineData("corp.example.com", false)]
    public void A_reserved_host_is_refused_exactly_or_through_a_wildcard_that_covers_it(string host, bool reserved) =>
        Assert.Equal(reserved, new ReservedHosts(["portal.example.com", "*.corp.example.com"]).Reserves(Route(host)));

    [Theory]
    [InlineData("shop.example.com", "*.example.com", true)]
    [InlineData("*.example.com", "shop.example.com", true)]
    [InlineData("a.shop.example.com", "*.example.com", false)]
    [InlineData("*.example.com", "*.shop.example.com", false)]
    [InlineData("shop.example.com", "shop.example.com", true)]
    [InlineData("shop.example.com", "web.example.com", false)]
    public void Two_hosts_overlap_when_they_are_equal_or_a_wildcard_stands_for_the_other(
        string one,
        string other,
        bool overlap
    ) => Assert.Equal(overlap, Route(one).Overlaps(other));
}
