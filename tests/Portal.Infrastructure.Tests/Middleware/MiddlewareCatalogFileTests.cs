using Portal.Domain.Middleware;
using Portal.Infrastructure.Middleware;

namespace Portal.Infrastructure.Tests.Middleware;

public sealed class MiddlewareCatalogFileTests
{
    private const string Minimal = """
        name: demo
        displayName: Demo
        category: Cache
        icon: box
        versions:
          - { version: "1.2", image: "demo:1.2", majorLine: "1" }
        plans:
          - { name: small, displayName: Small, cpuRequest: 250m, cpuLimit: "1", memoryRequest: 512Mi, memoryLimit: 1Gi, storage: 10Gi }
        parameters:
          - { name: mode, type: choice, allowedValues: [a, b], description: Which mode. }
        ports:
          - { name: demo, port: 1234 }
        objects: |
          kind: Nothing
        """;

    [Fact]
    public void A_catalog_file_becomes_a_definition_with_quantities_in_millicores_and_bytes()
    {
        var entry = CatalogFiles.Parse("demo.yaml", Minimal);

        Assert.True(entry.Succeeded, MiddlewareCatalogTests.Describe(entry.Problem));
        var plan = Assert.Single(entry.Value.Definition.Plans);
        Assert.Equal(new TemplatePlan("small", "Small", 250, 1000, 512L << 20, 1L << 30, 10L << 30, 1, 1), plan);
        Assert.Equal(MiddlewareCategory.Cache, entry.Value.Category);
        Assert.Equal(ParameterType.Choice, entry.Value.Definition.Parameters[0].Type);
        Assert.Equal("kind: Nothing", entry.Value.Definition.ObjectsTemplate.TrimEnd());
    }

    [Fact]
    public void An_unknown_key_is_refused_with_its_line_rather_than_ignored()
    {
        var entry = CatalogFiles.Parse(
            "demo.yaml",
            Minimal.Replace("icon: box", "icon: box\nicno: box", StringComparison.Ordinal)
        );

        Assert.False(entry.Succeeded);
        Assert.Contains("demo.yaml, line 5", entry.Problem!.Message);
        Assert.Contains("icno", entry.Problem.Message);
    }

    [Fact]
    public void Every_problem_of_a_file_is_reported_at_once_and_names_the_file()
    {
        var broken = Minimal
            .Replace("name: demo", "name: other", StringComparison.Ordinal)
            .Replace("category: Cache", "category: Toaster", StringComparison.Ordinal)
            .Replace("storage: 10Gi", "storage: ten", StringComparison.Ordinal);

        var entry = CatalogFiles.Parse("demo.yaml", broken);

        Assert.False(entry.Succeeded);
        Assert.Equal(
            ["demo.yaml:Name", "demo.yaml:Category", "demo.yaml:Plans[0].Storage"],
            entry.Problem!.Causes.Select(c => c.Field)
        );
        Assert.All(entry.Problem.Causes, c => Assert.StartsWith("demo.yaml: ", c.Message));
    }

    [Fact]
    public void A_catalog_template_that_does_not_render_is_refused_when_it_becomes_a_template()
    {
        var entry = CatalogFiles.Parse("demo.yaml", Minimal).Value;

        var template = entry.ToTemplate(TemplateValidation.Instance, DateTime.UtcNow);

        Assert.False(template.Succeeded);
        Assert.Contains(
            "demo.yaml: Definition.ObjectsTemplate: The document at line 1 of the rendered YAML has no apiVersion",
            template.Problem!.Message
        );
    }
}
