using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Portal.Domain.Middleware;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Middleware;

namespace Portal.Infrastructure.Tests.Middleware;

/// <summary>The shipped catalog: every file loads, every template passes the check, and renders as reviewed.</summary>
public sealed class MiddlewareCatalogTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    public static readonly string[] Shipped =
    [
        "elasticsearch",
        "kafka",
        "mongodb",
        "mysql",
        "postgresql",
        "rabbitmq",
        "redis",
        "zookeeper",
    ];

    public static TheoryData<string, string> TemplatesAndVersions()
    {
        var data = new TheoryData<string, string>();
        foreach (var entry in MiddlewareCatalog.Entries())
        {
            foreach (var version in entry.Definition.VisibleVersions())
                data.Add(entry.Name, version.Version);
        }
        return data;
    }

    [Fact]
    public void The_catalog_ships_the_promised_middleware_with_three_plans_and_several_versions_each()
    {
        var entries = MiddlewareCatalog.Entries();

        Assert.Equal(Shipped, entries.Select(e => e.Name));
        Assert.All(entries, e => Assert.Equal(["small", "medium", "large"], e.Definition.Plans.Select(p => p.Name)));
        Assert.All(entries, e => Assert.InRange(e.Definition.Versions.Count, 2, 4));
        Assert.All(entries, e =>
            Assert.True(
                e.Definition.Versions.Select(v => v.MajorLine).Distinct().Count() > 1,
                $"{e.Name} offers one major line"
            )
        );
        Assert.All(entries, e =>
            Assert.True(
                e.Definition.Versions.GroupBy(v => v.MajorLine).Any(g => g.Count() > 1),
                $"{e.Name} has no upgrade within a line"
            )
        );
    }

    [Fact]
    public void Every_shipped_template_becomes_a_template_that_passes_the_check()
    {
        var templates = CatalogFiles.LoadTemplates(MiddlewareCatalog.Directory(), TemplateValidation.Instance, Now);

        Assert.True(templates.Succeeded, Describe(templates.Problem));
        Assert.Equal(Shipped, templates.Value.Select(t => t.Name));
    }

    [Fact]
    public void A_definition_survives_the_json_column_unchanged()
    {
        foreach (var entry in MiddlewareCatalog.Entries())
        {
            var json = JsonSerializer.Serialize(entry.Definition);

            Assert.Equal(entry.Definition, JsonSerializer.Deserialize<TemplateDefinition>(json));
        }
    }

    [Theory]
    [MemberData(nameof(TemplatesAndVersions))]
    public void Every_visible_version_renders_objects_that_match_the_reviewed_golden_file(
        string template,
        string version
    )
    {
        var entry = MiddlewareCatalog.Entry(template);
        var plan = entry.Definition.Plans[0];

        var objects = TemplateRenderer.Render(MiddlewareCatalog.Input(entry, version, plan.Name));

        Assert.True(objects.Succeeded, Describe(objects.Problem));
        var difference = MiddlewareGolden.Check($"{template}.{version}.{plan.Name}.json", objects.Value);
        Assert.True(difference is null, difference);
    }

    [Theory]
    [MemberData(nameof(TemplatesAndVersions))]
    public void Every_object_and_the_pods_carry_the_portal_labels(string template, string version)
    {
        var entry = MiddlewareCatalog.Entry(template);
        var objects = TemplateRenderer.Render(MiddlewareCatalog.Input(entry, version, "small")).Value;
        var expected = new Dictionary<string, string>
        {
            ["app.kubernetes.io/name"] = "orders",
            ["app.kubernetes.io/instance"] = "orders-dev",
            ["app.kubernetes.io/component"] = template,
            ["app.kubernetes.io/version"] = version,
            ["app.kubernetes.io/managed-by"] = "portal",
            ["portal/tenant"] = "shop",
            ["portal/environment"] = "dev",
            ["portal/middleware"] = "true",
            ["portal/tenant-id"] = "5b0c1e2d-0000-4000-8000-00000000a11a",
            ["portal/environment-id"] = "5b0c1e2d-0000-4000-8000-0000000e0002",
        };
        var set = Assert.Single(objects.OfType<V1StatefulSet>());

        Assert.All(objects, o => Assert.Equal("shop-dev", o.Metadata.NamespaceProperty));
        Assert.All(objects, o => Assert.All(expected, l => Assert.Equal(l.Value, o.Metadata.Labels[l.Key])));
        Assert.All(expected, l => Assert.Equal(l.Value, set.Spec.Template.Metadata.Labels[l.Key]));
        Assert.Equal(
            "app.kubernetes.io/name=orders,app.kubernetes.io/instance=orders-dev",
            string.Join(",", set.Spec.Selector.MatchLabels.Select(l => $"{l.Key}={l.Value}"))
        );
        Assert.All(set.Spec.VolumeClaimTemplates, c =>
            Assert.DoesNotContain("app.kubernetes.io/version", c.Metadata.Labels.Keys)
        );
        Assert.All(objects.OfType<V1Service>(), s => Assert.Equal(set.Spec.Selector.MatchLabels, s.Spec.Selector));
    }

    [Theory]
    [MemberData(nameof(TemplatesAndVersions))]
    public void Every_plan_sizes_the_containers_and_the_volumes(string template, string version)
    {
        var entry = MiddlewareCatalog.Entry(template);
        foreach (var plan in entry.Definition.Plans)
        {
            var set = TemplateRenderer
                .Render(MiddlewareCatalog.Input(entry, version, plan.Name))
                .Value.OfType<V1StatefulSet>()
                .Single();
            var container = set.Spec.Template.Spec.Containers[0];

            Assert.Equal(plan.CpuLimitMillis, (long)(container.Resources.Limits["cpu"].ToDecimal() * 1000));
            Assert.Equal(plan.MemoryRequestBytes, (long)container.Resources.Requests["memory"].ToDecimal());
            Assert.Equal(
                plan.StorageBytes,
                (long)set.Spec.VolumeClaimTemplates[0].Spec.Resources.Requests["storage"].ToDecimal()
            );
            Assert.Equal(plan.Replicas, set.Spec.Replicas);
        }
    }

    [Fact]
    public void The_same_input_renders_the_same_objects()
    {
        foreach (var entry in MiddlewareCatalog.Entries())
        {
            var version = entry.Definition.VisibleVersions()[0].Version;
            var first = TemplateRenderer
                .Render(MiddlewareCatalog.Input(entry, version, "medium"))
                .Value.Select(o => KubernetesJson.Serialize(o));
            var second = TemplateRenderer
                .Render(MiddlewareCatalog.Input(entry, version, "medium"))
                .Value.Select(o => KubernetesJson.Serialize(o));

            Assert.Equal(first, second);
        }
    }

    [Fact]
    public void Objects_come_out_in_the_order_to_apply_them()
    {
        var objects = TemplateRenderer
            .Render(MiddlewareCatalog.Input(MiddlewareCatalog.Entry("rabbitmq"), "4.1.0", "small"))
            .Value;

        Assert.Equal(["Secret", "ConfigMap", "Service", "Service", "StatefulSet"], objects.Select(o => o.Kind));
    }

    [Fact]
    public void A_change_of_credentials_rolls_the_pods_through_the_checksum()
    {
        var entry = MiddlewareCatalog.Entry("redis");
        var input = MiddlewareCatalog.Input(entry, "7.4.2", "small");
        static string Checksum(InstanceRenderInput input) =>
            TemplateRenderer.Render(input).Value.OfType<V1StatefulSet>().Single().Spec.Template.Metadata.Annotations[
                "portal/config-checksum"
            ];

        var rotated = input with { Credentials = new Dictionary<string, string> { ["password"] = "rotated" } };
        var scaled = input with { Plan = entry.Definition.Plans[1] };

        Assert.Matches("^[0-9a-f]{64}$", Checksum(input));
        Assert.NotEqual(Checksum(input), Checksum(rotated));
        Assert.Equal(Checksum(input), Checksum(scaled));
    }

    internal static string Describe(Portal.Domain.Common.Problem? problem) =>
        problem is null ? ""
        : problem.Causes.Count == 0 ? $"{problem.Field}: {problem.Message}"
        : string.Join("\n", problem.Causes.Select(c => $"{c.Field}: {c.Message}"));
}

/// <summary>The shipped catalog files and the instance the tests render them for.</summary>
internal static class MiddlewareCatalog
{
    public static string Directory()
    {
        for (
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            directory is not null;
            directory = directory.Parent
        )
        {
            if (directory.GetFiles("PaaS.sln").Length > 0)
                return Path.Combine(directory.FullName, "catalog");
        }
        throw new InvalidOperationException($"No PaaS.sln above {AppContext.BaseDirectory}.");
    }

    public static IReadOnlyList<CatalogEntry> Entries()
    {
        var entries = CatalogFiles.Load(Directory());
        Assert.True(entries.Succeeded, MiddlewareCatalogTests.Describe(entries.Problem));
        return entries.Value;
    }

    public static CatalogEntry Entry(string name) => Entries().Single(e => e.Name == name);

    internal static readonly Ownership Shop = new(
        Guid.Parse("5b0c1e2d-0000-4000-8000-00000000a11a"),
        "shop",
        Guid.Parse("5b0c1e2d-0000-4000-8000-0000000e0002"),
        "dev"
    );

    /// <summary>
    /// Instance "orders" of tenant "shop" in its dev environment, with the check's fixed sample parameters and
    /// credentials.
    /// </summary>
    public static InstanceRenderInput Input(CatalogEntry entry, string version, string plan, int? replicas = null)
    {
        var definition = entry.Definition;
        var chosen = definition.FindPlan(plan)!;
        return new InstanceRenderInput(
            "shop-dev",
            "orders",
            Shop,
            entry.Name,
            definition,
            definition.FindVersion(version)!,
            chosen,
            replicas ?? chosen.Replicas,
            TemplateValidation.SampleParameters(definition).Value,
            TemplateValidation.SampleCredentials(definition)
        );
    }
}

/// <summary>
/// Reviewed renderings kept in Golden/middleware/, one JSON array per template, version and plan. Set UPDATE_GOLDEN=1
/// to rewrite them in the source tree after an intended change, then review the diff before committing.
/// </summary>
internal static class MiddlewareGolden
{
    private static readonly JsonSerializerOptions Pretty = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string? Check(string fileName, IEnumerable<IKubernetesObject<V1ObjectMeta>> objects)
    {
        var array = new JsonArray(objects.Select(o => JsonNode.Parse(KubernetesJson.Serialize(o))).ToArray());
        var actual = array.ToJsonString(Pretty) + "\n";
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            var directory = Path.Combine(SourceDirectory(), "Golden", "middleware");
            System.IO.Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, fileName), actual, new UTF8Encoding(false));
            return null;
        }
        var path = Path.Combine(AppContext.BaseDirectory, "Golden", "middleware", fileName);
        if (!File.Exists(path))
            return $"{fileName}: no golden file. Run the tests with UPDATE_GOLDEN=1 to write it, and review it.";
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (expected == actual)
            return null;
        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var line = 0;
        while (line < expectedLines.Length && line < actualLines.Length && expectedLines[line] == actualLines[line])
            line++;
        return $"{fileName} differs from the golden file; if the change is intended, "
            + "run the tests with UPDATE_GOLDEN=1 and review the diff.\n"
            + $"  first difference at line {line + 1}:\n  expected: "
            + $"{(line < expectedLines.Length ? expectedLines[line].Trim() : "(end)")}\n"
            + $"  rendered: {(line < actualLines.Length ? actualLines[line].Trim() : "(end)")}";
    }

    private static string SourceDirectory()
    {
        for (
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            directory is not null;
            directory = directory.Parent
        )
        {
            if (directory.GetFiles("Portal.Infrastructure.Tests.csproj").Length > 0)
                return directory.FullName;
        }
        throw new InvalidOperationException($"No Portal.Infrastructure.Tests.csproj above {AppContext.BaseDirectory}.");
    }
}
