using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Portal.Domain.Applications;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Applications;
using Portal.Infrastructure.Environments;

namespace Portal.Infrastructure.Tests.Applications;

public sealed class ApplicationManifestTests
{
    private const long Mi = 1L << 20;

    private static DeploymentSpec Minimal() =>
        new() { Image = "nginx:1.27", Resources = new ContainerResources(100, 500, 128 * Mi, 256 * Mi) };

    private static DeploymentSpec Full() =>
        new()
        {
            Image = "registry.example.com:5000/shop/orders-api:2.3.1",
            Command = ["dotnet"],
            Args = ["Orders.Api.dll", "--urls", "http://+:8080"],
            Ports = [new ContainerPort("http", 8080), new ContainerPort("metrics", 9090)],
            Environment =
            [
                new EnvironmentVariable("ASPNETCORE_ENVIRONMENT", "Production"),
                new EnvironmentVariable("DB_PASSWORD", "s3cr3t-pa55", IsSecret: true),
                new EnvironmentVariable("DB_CONNECTION", "Host=orders-db;Password=$(DB_PASSWORD)"),
                new EnvironmentVariable("STRIPE_KEY", "sk_test_123", IsSecret: true),
            ],
            ConfigFiles =
            [
                new ConfigFile(
                    "/etc/orders",
                    "appsettings.json",
                    "{\n  \"Logging\": { \"LogLevel\": { \"Default\": \"Information\" } }\n}\n"
                ),
                new ConfigFile("/etc/orders", "features.yaml", "checkout: true\n"),
                new ConfigFile(
                    "/opt/certs",
                    "ca.pem",
                    "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
                ),
            ],
            Resources = new ContainerResources(250, 1500, 512 * Mi, 1536 * Mi),
            Replicas = 3,
            Liveness = new Probe(
                ProbeKind.Http,
                "/healthz",
                8080,
                InitialDelaySeconds: 10,
                PeriodSeconds: 15,
                FailureThreshold: 5
            ),
            Readiness = new Probe(ProbeKind.Tcp, null, 8080),
            Exposure = new Exposure(80, 8080, "orders.example.com", "/api", "orders-tls"),
            Autoscaling = new AutoscalingPolicy(2, 10, 70, 80),
        };

    private static readonly Ownership Shop = new(
        Guid.Parse("5b0c1e2d-0000-4000-8000-00000000a11a"),
        "shop",
        Guid.Parse("5b0c1e2d-0000-4000-8000-0000000e0001"),
        "prod"
    );

    private static ManifestInput Input(DeploymentSpec spec, int revision = 7, PodPlacement? placement = null) =>
        new("shop-prod", "orders-api", Shop, revision, spec, placement);

    private static AppManifests Render(DeploymentSpec spec, int revision = 7, PodPlacement? placement = null) =>
        ApplicationManifests.Render(Input(spec, revision, placement));

    /// <summary>The full scenario runs in a pool of labelled nodes, the minimal one in a pool of every node.</summary>
    private static PodPlacement Pool(string scenario) =>
        scenario == "full"
            ? ResourcePool
                .Create(
                    "gpu",
                    null,
                    Guid.Empty,
                    "accelerator=a100,topology.kubernetes.io/zone=zone-a",
                    "bj",
                    1m,
                    1m,
                    DateTime.UnixEpoch
                )
                .Value.Placement
            : ResourcePool.Create("shared", null, Guid.Empty, null, "bj", 1m, 1m, DateTime.UnixEpoch).Value.Placement;

    private static V1Container Container(AppManifests manifests) =>
        Assert.Single(manifests.Deployment.Spec.Template.Spec.Containers);

    [Theory]
    [InlineData("full")]
    [InlineData("minimal")]
    public void An_applications_objects_ask_for_nothing_the_pod_security_policy_of_tenant_namespaces_forbids(
        string scenario
    )
    {
        var manifests = Render(scenario == "full" ? Full() : Minimal());

        Assert.Empty(
            manifests
                .All()
                .SelectMany(o => Portal.Infrastructure.Environments.TenantObjectPolicy.Violations(o, "shop-prod"))
        );
    }

    [Theory]
    [InlineData("full")]
    [InlineData("minimal")]
    public void Rendered_objects_match_the_reviewed_golden_files(string scenario)
    {
        // The full scenario's image is in the portal's registry (registry.example.com:5000): its pods pull with the
        // namespace's pull secret.
        var input = Input(scenario == "full" ? Full() : Minimal(), placement: Pool(scenario)) with
        {
            PullSecret = scenario == "full" ? Portal.Infrastructure.Builds.Registry.RegistryPullSecret.Name : null,
        };
        var manifests = ApplicationManifests.Render(input);
        (string Kind, object? Object)[] objects =
        [
            ("configmap", manifests.ConfigMap),
            ("secret", manifests.Secret),
            ("deployment", manifests.Deployment),
            ("service", manifests.Service),
            ("ingress", manifests.Ingress),
            ("autoscaler", manifests.Autoscaler),
        ];

        var differences = objects
            .Select(o => Golden.Check($"{scenario}.{o.Kind}.json", o.Object))
            .OfType<string>()
            .ToList();

        Assert.True(differences.Count == 0, string.Join("\n\n", differences));
    }

    [Fact]
    public void The_pods_carry_the_pools_node_selector_and_tolerate_its_taint_and_nothing_else()
    {
        var pod = Render(Full(), placement: Pool("full")).Deployment.Spec.Template.Spec;

        Assert.Equal(
            new Dictionary<string, string> { ["accelerator"] = "a100", ["topology.kubernetes.io/zone"] = "zone-a" },
            pod.NodeSelector
        );
        var toleration = Assert.Single(pod.Tolerations);
        Assert.Equal(
            ("portal/pool", "Equal", "gpu", null),
            (toleration.Key, toleration.OperatorProperty, toleration.Value, toleration.Effect)
        );
        Assert.Null(pod.NodeName);
    }

    [Fact]
    public void A_variable_bound_to_another_secret_refers_to_it_and_puts_nothing_in_the_apps_own_secret()
    {
        var spec = Minimal()
            .WithEnvironmentVariable(
                new EnvironmentVariable(
                    "REDIS_PASSWORD",
                    "",
                    From: new SecretReference("cache-credentials", "password")
                )
            );

        var manifests = Render(spec);

        var variable = Assert.Single(Container(manifests).Env);
        Assert.Null(variable.Value);
        Assert.Equal(
            ("cache-credentials", "password"),
            (variable.ValueFrom.SecretKeyRef.Name, variable.ValueFrom.SecretKeyRef.Key)
        );
        Assert.Null(manifests.Secret);
    }

    [Fact]
    public void Rendering_is_deterministic()
    {
        var first = Render(Full()).All().Select(o => KubernetesJson.Serialize(o));
        var second = Render(Full()).All().Select(o => KubernetesJson.Serialize(o));

        Assert.Equal(first, second);
    }

    [Fact]
    public void The_selector_names_the_application_and_its_instance()
    {
        Assert.Equal(
            "app.kubernetes.io/name=orders-api,app.kubernetes.io/instance=orders-api-prod",
            ApplicationManifests.Selector("orders-api", "prod")
        );
    }

    [Fact]
    public void Every_object_and_the_pod_template_carry_the_portal_labels()
    {
        var manifests = Render(Full());
        var expected = new Dictionary<string, string>
        {
            ["app.kubernetes.io/name"] = "orders-api",
            ["app.kubernetes.io/instance"] = "orders-api-prod",
            ["app.kubernetes.io/version"] = "2.3.1",
            ["app.kubernetes.io/managed-by"] = "portal",
            ["portal/tenant"] = "shop",
            ["portal/environment"] = "prod",
            ["portal/tenant-id"] = Shop.TenantId.ToString(),
            ["portal/environment-id"] = Shop.EnvironmentId.ToString(),
        };

        Assert.Equal(6, manifests.All().Count);
        Assert.All(manifests.All(), o => Assert.Equal(expected, o.Metadata.Labels));
        Assert.All(manifests.All(), o => Assert.Equal("shop-prod", o.Metadata.NamespaceProperty));
        Assert.Equal(expected, manifests.Deployment.Spec.Template.Metadata.Labels);
    }

    [Fact]
    public void Selectors_use_only_the_labels_that_never_change_and_match_the_pods()
    {
        var manifests = Render(Full());
        var selector = manifests.Deployment.Spec.Selector.MatchLabels;

        Assert.Equal(
            ApplicationManifests.Selector("orders-api", "prod"),
            string.Join(",", selector.Select(l => $"{l.Key}={l.Value}"))
        );
        Assert.Equal(selector, manifests.Service!.Spec.Selector);
        Assert.All(selector, l => Assert.Equal(l.Value, manifests.Deployment.Spec.Template.Metadata.Labels[l.Key]));
    }

    [Fact]
    public void The_revision_is_annotated_on_the_deployment_and_its_pods()
    {
        var manifests = Render(Minimal(), revision: 12);

        Assert.Equal("12", manifests.Deployment.Metadata.Annotations["portal/revision"]);
        Assert.Equal("12", manifests.Deployment.Spec.Template.Metadata.Annotations["portal/revision"]);
    }

    [Fact]
    public void Secret_values_live_in_the_secret_and_the_pod_spec_only_refers_to_them()
    {
        var manifests = Render(Full());
        var env = Container(manifests).Env.ToDictionary(e => e.Name);

        Assert.Equal("orders-api-env", manifests.Secret!.Metadata.Name);
        Assert.Equal("s3cr3t-pa55", Encoding.UTF8.GetString(manifests.Secret.Data["DB_PASSWORD"]));
        Assert.Equal(["DB_PASSWORD", "STRIPE_KEY"], manifests.Secret.Data.Keys.Order());
        Assert.Null(env["DB_PASSWORD"].Value);
        Assert.Equal(
            ("orders-api-env", "DB_PASSWORD"),
            (env["DB_PASSWORD"].ValueFrom.SecretKeyRef.Name, env["DB_PASSWORD"].ValueFrom.SecretKeyRef.Key)
        );
        Assert.Equal("Production", env["ASPNETCORE_ENVIRONMENT"].Value);
        Assert.DoesNotContain("s3cr3t", KubernetesJson.Serialize(manifests.Deployment));
    }

    [Fact]
    public void Variables_keep_their_order_so_that_references_to_earlier_ones_resolve()
    {
        Assert.Equal(
            ["ASPNETCORE_ENVIRONMENT", "DB_PASSWORD", "DB_CONNECTION", "STRIPE_KEY"],
            Container(Render(Full())).Env.Select(e => e.Name)
        );
    }

    [Fact]
    public void Config_map_keys_are_the_path_and_file_name()
    {
        var keys = ApplicationManifests.ConfigKeys([
            new ConfigFile("/etc/app", "app.yaml", ""),
            new ConfigFile("/opt/my app", "ca.pem", ""),
        ]);

        Assert.Equal(["etc-app--app.yaml", "opt-my-app--ca.pem"], keys.Values);
    }

    [Fact]
    public void Config_map_keys_that_would_collide_are_hashed_apart()
    {
        var files = new[]
        {
            new ConfigFile("/etc/my-app", "app.yaml", ""),
            new ConfigFile("/etc/my/app", "app.yaml", ""),
            new ConfigFile("/etc", "x", ""),
        };

        var keys = ApplicationManifests.ConfigKeys(files);

        Assert.Matches("^file-[0-9a-f]{16}$", keys[files[0]]);
        Assert.Matches("^file-[0-9a-f]{16}$", keys[files[1]]);
        Assert.NotEqual(keys[files[0]], keys[files[1]]);
        Assert.Equal("etc--x", keys[files[2]]);
    }

    [Fact]
    public void Each_directory_is_mounted_once_with_its_own_files()
    {
        var manifests = Render(Full());
        var container = Container(manifests);
        var volumes = manifests.Deployment.Spec.Template.Spec.Volumes.ToDictionary(v => v.Name);

        Assert.Equal(["/etc/orders", "/opt/certs"], container.VolumeMounts.Select(m => m.MountPath));
        Assert.All(container.VolumeMounts, m => Assert.True(m.ReadOnlyProperty));
        var orders = volumes[container.VolumeMounts[0].Name].ConfigMap;
        Assert.Equal("orders-api-config", orders.Name);
        Assert.Equal(["appsettings.json", "features.yaml"], orders.Items.Select(i => i.Path));
        Assert.All(orders.Items, i => Assert.True(manifests.ConfigMap!.Data.ContainsKey(i.Key)));
        Assert.Equal(["ca.pem"], volumes[container.VolumeMounts[1].Name].ConfigMap.Items.Select(i => i.Path));
    }

    [Fact]
    public void A_change_of_config_or_secret_content_rolls_the_pods()
    {
        static string? Checksum(DeploymentSpec spec) =>
            Render(spec)
                .Deployment.Spec.Template.Metadata.Annotations.TryGetValue("portal/config-checksum", out var value)
                ? value
                : null;
        var original = Checksum(Full());

        var changedFile = Checksum(
            Full() with
            {
                ConfigFiles = [.. Full().ConfigFiles.Take(2), new ConfigFile("/opt/certs", "ca.pem", "other")],
            }
        );
        var changedSecret = Checksum(
            Full().WithEnvironmentVariable(new EnvironmentVariable("STRIPE_KEY", "sk_test_456", IsSecret: true))
        );
        var changedReplicas = Checksum(Full().WithReplicas(4));

        Assert.Matches("^[0-9a-f]{64}$", original);
        Assert.NotEqual(original, changedFile);
        Assert.NotEqual(original, changedSecret);
        Assert.Equal(original, changedReplicas);
        Assert.Null(Checksum(Minimal()));
    }

    [Fact]
    public void The_autoscaler_owns_the_replica_count_when_there_is_one()
    {
        var scaled = Render(Full());
        var fixedSize = Render(Full().WithAutoscaling(null));

        Assert.Null(scaled.Deployment.Spec.Replicas);
        Assert.Equal((2, 10), (scaled.Autoscaler!.Spec.MinReplicas, scaled.Autoscaler.Spec.MaxReplicas));
        Assert.Equal(3, fixedSize.Deployment.Spec.Replicas);
        Assert.Null(fixedSize.Autoscaler);
    }

    [Fact]
    public void A_service_comes_with_an_exposure_and_an_ingress_only_with_a_host()
    {
        var internalOnly = Render(Minimal() with { Exposure = new Exposure(80, 8080) });

        Assert.Equal(
            (80, "8080"),
            (internalOnly.Service!.Spec.Ports[0].Port, internalOnly.Service.Spec.Ports[0].TargetPort.Value)
        );
        Assert.Null(internalOnly.Ingress);
        Assert.Null(Render(Minimal()).Service);
    }

    [Fact]
    public void An_ingress_without_a_path_routes_everything_and_without_a_secret_has_no_tls()
    {
        var ingress = Render(Minimal() with { Exposure = new Exposure(80, 8080, "shop.example.com") }).Ingress!;

        Assert.Equal("/", ingress.Spec.Rules[0].Http.Paths[0].Path);
        Assert.Null(ingress.Spec.Tls);
        Assert.Null(ingress.Spec.IngressClassName);
    }

    [Fact]
    public void The_version_label_of_a_digest_image_is_its_short_digest()
    {
        var manifests = Render(
            Minimal() with
            {
                Image = "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            }
        );

        Assert.Equal("sha256-0123456789ab", manifests.Deployment.Metadata.Labels["app.kubernetes.io/version"]);
    }

    [Theory]
    [InlineData(250, "250m")]
    [InlineData(1000, "1")]
    [InlineData(1500, "1500m")]
    [InlineData(2000, "2")]
    public void Cpu_is_written_as_the_api_server_writes_it(long millis, string expected)
    {
        Assert.Equal(expected, ApplicationManifests.Cpu(millis));
        Assert.Equal(expected, new ResourceQuantity(expected).ToString());
    }

    [Theory]
    [InlineData(512 * Mi, "512Mi")]
    [InlineData(1536 * Mi, "1536Mi")]
    [InlineData(2048 * Mi, "2Gi")]
    [InlineData(1_500_000_000, "1500M")]
    [InlineData(1000, "1k")]
    [InlineData(1234, "1234")]
    public void Memory_is_written_as_the_api_server_writes_it(long bytes, string expected)
    {
        Assert.Equal(expected, ApplicationManifests.Bytes(bytes));
        Assert.Equal(expected, new ResourceQuantity(expected).ToString());
    }

    [Fact]
    public void An_invalid_spec_is_not_rendered()
    {
        var error = Assert.Throws<ArgumentException>(() => Render(Minimal() with { Replicas = -1 }));

        Assert.Contains("Replicas: Replicas cannot be negative", error.Message);
    }

    /// <summary>
    /// Reviewed renderings kept in Golden/. Set UPDATE_GOLDEN=1 to rewrite them in the source tree after an intended
    /// change, then review the diff before committing.
    /// </summary>
    private static class Golden
    {
        private static readonly JsonSerializerOptions Pretty = new()
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };

        private static bool Updating => Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";

        /// <summary>
        /// Null when the object matches its golden file (or, for an object not rendered, when there is none); else what
        /// differs.
        /// </summary>
        public static string? Check(string fileName, object? rendered)
        {
            var actual = rendered is null
                ? null
                : JsonNode.Parse(KubernetesJson.Serialize(rendered))!.ToJsonString(Pretty) + "\n";
            if (Updating)
            {
                var source = Path.Combine(SourceDirectory(), "Golden", fileName);
                if (actual is null)
                    File.Delete(source);
                else
                    File.WriteAllText(source, actual);
                return null;
            }

            var path = Path.Combine(AppContext.BaseDirectory, "Golden", fileName);
            var expected = File.Exists(path) ? File.ReadAllText(path).ReplaceLineEndings("\n") : null;
            if (expected == actual)
                return null;
            if (expected is null)
                return $"{fileName}: no golden file for a rendered object. Run the tests with "
                    + "UPDATE_GOLDEN=1 to write it, and review it.";
            if (actual is null)
                return $"{fileName}: the golden file describes an object that is no longer "
                    + "rendered. Run with UPDATE_GOLDEN=1 to remove it.";
            return $"{fileName} differs from the golden file; if the change is intended, "
                + "run the tests with UPDATE_GOLDEN=1 and review the "
                + $"diff.\n{FirstDifference(expected, actual)}";
        }

        private static string FirstDifference(string expected, string actual)
        {
            var expectedLines = expected.Split('\n');
            var actualLines = actual.Split('\n');
            var line = 0;
            while (line < expectedLines.Length && line < actualLines.Length && expectedLines[line] == actualLines[line])
                line++;
            var was = line < expectedLines.Length ? expectedLines[line].Trim() : "(end of file)";
            var now = line < actualLines.Length ? actualLines[line].Trim() : "(end of file)";
            return $"  first difference at line {line + 1}:\n  expected: {was}\n  rendered: {now}";
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
            throw new InvalidOperationException(
                $"No Portal.Infrastructure.Tests.csproj above {AppContext.BaseDirectory}."
            );
        }
    }
}
