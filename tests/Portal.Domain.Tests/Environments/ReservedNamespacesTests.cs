using Portal.Domain.Environments;

namespace Portal.Domain.Tests.Environments;

public sealed class ReservedNamespacesTests
{
    private static readonly ReservedNamespaces BuiltIn = ReservedNamespaces.Parse([]).Value;

    [Theory]
    [InlineData("kube-system")]
    [InlineData("kube-public")]
    [InlineData("kube-node-lease")]
    [InlineData("kube-anything")]
    [InlineData("default")]
    [InlineData("openshift")]
    [InlineData("openshift-monitoring")]
    [InlineData("istio-system")]
    [InlineData("cert-manager")]
    [InlineData("cattle-system")]
    public void A_namespace_the_cluster_keeps_for_itself_is_refused_with_a_reason(string name)
    {
        var checkedName = BuiltIn.CheckNamespace(name, "Name");

        Assert.False(checkedName.Succeeded);
        Assert.Equal("Name", checkedName.Problem!.Field);
        Assert.Contains($"'{name}' is reserved", checkedName.Problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kubes-system")]
    [InlineData("default-public")]
    [InlineData("team-kube-system")]
    [InlineData("openshifty-dev")]
    [InlineData("acme-prod")]
    public void A_namespace_that_only_looks_like_a_system_one_is_allowed(string name) =>
        Assert.True(BuiltIn.CheckNamespace(name, "Name").Succeeded);

    [Theory]
    [InlineData("kube")]
    [InlineData("kube-sys")]
    [InlineData("openshift")]
    [InlineData("openshift-team")]
    public void A_tenant_slug_that_would_put_every_environment_into_a_reserved_prefix_is_refused(string slug)
    {
        var checkedSlug = BuiltIn.CheckTenantSlug(slug, "Slug");

        Assert.False(checkedSlug.Succeeded);
        Assert.Equal("Slug", checkedSlug.Problem!.Field);
        Assert.Contains($"'{slug}' is reserved", checkedSlug.Problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kubes")]
    [InlineData("default")]
    [InlineData("istio")]
    [InlineData("team-kube")]
    public void A_tenant_slug_whose_environments_can_still_get_free_namespaces_is_allowed(string slug) =>
        Assert.True(BuiltIn.CheckTenantSlug(slug, "Slug").Succeeded);

    [Fact]
    public void The_operator_adds_the_portals_own_namespace_and_prefixes_of_their_own()
    {
        var reserved = ReservedNamespaces.Parse(["portal-system", "corp-*"]).Value;

        Assert.False(reserved.CheckNamespace("portal-system", "Name").Succeeded);
        Assert.False(reserved.CheckNamespace("corp-infra", "Name").Succeeded);
        Assert.False(reserved.CheckTenantSlug("corp", "Slug").Succeeded);
        Assert.True(reserved.CheckNamespace("portal-dev", "Name").Succeeded);
        Assert.False(reserved.CheckNamespace("kube-system", "Name").Succeeded);
    }

    [Theory]
    [InlineData("Bad_Name")]
    [InlineData("*")]
    [InlineData("-x")]
    [InlineData("a*b")]
    public void An_entry_that_is_neither_a_namespace_nor_a_prefix_is_refused_at_start(string entry)
    {
        var parsed = ReservedNamespaces.Parse([entry]);

        Assert.False(parsed.Succeeded);
        Assert.Contains(entry, parsed.Problem!.Message, StringComparison.Ordinal);
    }
}
