using System.Text.Json;
using Portal.Domain.Applications;
using Portal.Domain.Common;

namespace Portal.Domain.Tests.Applications;

/// <summary>Specs for tests: a small valid one, and one that uses every feature.</summary>
internal static class Specs
{
    public const long Mi = 1L << 20;

    public static DeploymentSpec Minimal() =>
        new() { Image = "nginx:1.27", Resources = new ContainerResources(100, 500, 128 * Mi, 256 * Mi) };

    public static DeploymentSpec Full() =>
        new()
        {
            Image = "registry.example.com:5000/shop/orders-api:2.3.1",
            Command = ["dotnet"],
            Args = ["Orders.Api.dll", "--urls", "http://+:8080"],
            Ports = [new ContainerPort("http", 8080), new ContainerPort("metrics", 9090)],
            Environment =
            [
                new EnvironmentVariable("ASPNETCORE_ENVIRONMENT", "Production"),
                new EnvironmentVariable("DB_HOST", "orders-db.shop-prod.svc"),
                new EnvironmentVariable("DB_PASSWORD", "s3cr3t-pa55", IsSecret: true),
            ],
            ConfigFiles =
            [
                new ConfigFile(
                    "/etc/orders",
                    "appsettings.json",
                    "{ \"Logging\": { \"LogLevel\": { \"Default\": \"Information\" } } }\n"
                ),
                new ConfigFile("/etc/orders", "features.yaml", "checkout: true\n"),
            ],
            Resources = new ContainerResources(250, 1000, 512 * Mi, 1024 * Mi),
            Replicas = 3,
            Liveness = new Probe(ProbeKind.Http, "/healthz", 8080, InitialDelaySeconds: 10),
            Readiness = new Probe(ProbeKind.Tcp, null, 8080),
            Exposure = new Exposure(80, 8080, "orders.example.com", "/api", "orders-tls"),
            Autoscaling = new AutoscalingPolicy(2, 10, 70, null),
        };

    public static Problem Single(DeploymentSpec spec)
    {
        var problems = spec.Validate();
        return Assert.Single(problems);
    }
}

public sealed class DeploymentSpecTests
{
    private static void AssertRefused(DeploymentSpec spec, string field, string message)
    {
        var problem = Specs.Single(spec);
        Assert.Equal("validation", problem.Code);
        Assert.Equal(field, problem.Field);
        Assert.Contains(message, problem.Message);
    }

    [Fact]
    public void A_built_image_port_is_added_as_http_to_a_spec_without_ports()
    {
        var spec = Specs.Minimal().ListeningOn(3000);

        Assert.Equal([new ContainerPort("http", 3000)], spec.Ports);
    }

    [Fact]
    public void A_built_image_port_the_spec_has_changes_nothing()
    {
        var full = Specs.Full();

        Assert.Same(full, full.ListeningOn(9090));
    }

    [Fact]
    public void A_built_image_port_the_spec_lacks_is_added_unnamed_when_http_is_taken_and_probes_keep_theirs()
    {
        var spec = Specs.Full().ListeningOn(3000);

        Assert.Equal(
            [new ContainerPort("http", 8080), new ContainerPort("metrics", 9090), new ContainerPort(null, 3000)],
            spec.Ports
        );
        Assert.Equal(8080, spec.Liveness!.Port);
        Assert.Empty(spec.Validate());
    }

    [Fact]
    public void A_name_ending_in_a_line_break_is_refused_as_the_cluster_refuses_it()
    {
        // The API server's rules hold the whole value (Go's $ ends the text); .NET's $ also matches before a final line
        // break.
        var spec = Specs.Minimal() with
        {
            Ports = [new ContainerPort("http\n", 8080)],
            Environment = [new EnvironmentVariable("DB_HOST\n", "db")],
            ConfigFiles = [new ConfigFile("/etc/app", "app.conf\n", "x")],
            Exposure = new Exposure(80, 8080, "shop.example.com\n", null, "shop-tls\n"),
        };

        var fields = spec.Validate().Select(p => p.Field).ToList();

        Assert.Contains(fields, f => f!.StartsWith("Ports", StringComparison.Ordinal));
        Assert.Contains(fields, f => f!.StartsWith("Environment", StringComparison.Ordinal));
        Assert.Contains(fields, f => f!.StartsWith("ConfigFiles", StringComparison.Ordinal));
        Assert.Contains("Exposure.IngressHost", fields);
        Assert.Contains("Exposure.TlsSecretName", fields);
        Assert.False(Portal.Domain.Middleware.VersionOrder.IsValid("16.4\n"));
    }

    [Fact]
    public void A_variable_taken_from_a_secret_has_no_value_of_its_own_and_a_valid_reference()
    {
        var spec = Specs.Minimal() with
        {
            Environment =
            [
                new EnvironmentVariable("DB_PASSWORD", "oops", From: new SecretReference("Orders_DB", "pass word")),
            ],
        };

        var problems = spec.Validate();

        Assert.All(problems, p => Assert.Equal("Environment[0].From", p.Field));
        Assert.Equal(3, problems.Count);
    }

    [Fact]
    public void A_spec_using_every_feature_is_valid()
    {
        Assert.Empty(Specs.Full().Validate());
        Assert.Empty(Specs.Minimal().Validate());
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_its_field()
    {
        var spec = Specs.Full() with
        {
            Image = "Nginx",
            Ports = [new ContainerPort("http", 70000)],
            Replicas = -1,
            Resources = new ContainerResources(0, 0, 128 * Specs.Mi, 64 * Specs.Mi),
        };

        var fields = spec.Validate().Select(p => p.Field).ToList();

        Assert.Equal(["Image", "Ports[0].Port", "Resources.CpuRequest", "Resources.MemoryLimit", "Replicas"], fields);
    }

    [Theory]
    [InlineData("nginx")]
    [InlineData("nginx:1.27")]
    [InlineData("library/nginx:1.27-alpine")]
    [InlineData("ghcr.io/acme/orders_api/worker:v2.0.0")]
    [InlineData("registry.example.com:5000/team/api:2.3.1")]
    [InlineData("localhost/api:dev")]
    [InlineData("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")]
    public void Image_references_in_docker_syntax_are_accepted(string image) =>
        Assert.Empty((Specs.Minimal() with { Image = image }).Validate());

    [Theory]
    [InlineData("", "An image is required")]
    [InlineData("nginx :1.27", "contains a space")]
    [InlineData("acme/Orders:1.0", "Repository names are lowercase: write 'acme/orders' rather than 'acme/Orders'.")]
    [InlineData("nginx:-1", "'-1' in image 'nginx:-1' is not a valid tag")]
    [InlineData("nginx@sha256:abc", "is not a digest: write 'sha256:' and 64 lowercase hexadecimal digits")]
    [InlineData("acme//orders:1", "has an empty path component")]
    [InlineData("acme/orders-:1", "'orders-' in image 'acme/orders-:1' is not a valid repository name")]
    [InlineData("-bad.example.com/orders:1", "is not a registry host")]
    public void Image_references_that_a_runtime_cannot_pull_are_refused(string image, string message) =>
        AssertRefused(Specs.Minimal() with { Image = image }, "Image", message);

    [Fact]
    public void A_port_out_of_range_is_refused_with_the_range()
    {
        AssertRefused(
            Specs.Minimal() with
            {
                Ports = [new ContainerPort("http", 8080), new ContainerPort("admin", 70000)],
            },
            "Ports[1].Port",
            "Port 70000 is out of range: use 1 to 65535."
        );
    }

    [Theory]
    [InlineData("HTTP", "is not a valid port name")]
    [InlineData("8080", "is not a valid port name")]
    [InlineData("-http", "is not a valid port name")]
    [InlineData("grpc--web", "is not a valid port name")]
    [InlineData("a-very-long-port-name", "has 21 characters; a port name has at most 15")]
    public void Port_names_follow_the_iana_service_name_rule(string name, string message) =>
        AssertRefused(Specs.Minimal() with { Ports = [new ContainerPort(name, 8080)] }, "Ports[0].Name", message);

    [Fact]
    public void Port_names_are_unique()
    {
        AssertRefused(
            Specs.Minimal() with
            {
                Ports = [new ContainerPort("http", 8080), new ContainerPort("http", 8081)],
            },
            "Ports[1].Name",
            "Port name 'http' is used twice"
        );
    }

    [Fact]
    public void A_port_and_protocol_are_listed_once_but_tcp_and_udp_may_share_a_number()
    {
        AssertRefused(
            Specs.Minimal() with
            {
                Ports = [new ContainerPort(null, 53), new ContainerPort(null, 53)],
            },
            "Ports[1].Port",
            "Port 53/TCP is listed twice."
        );
        Assert.Empty(
            (
                Specs.Minimal() with
                {
                    Ports = [new ContainerPort("dns", 53), new ContainerPort("dns-udp", 53, PortProtocol.Udp)],
                }
            ).Validate()
        );
    }

    [Theory]
    [InlineData("1DB_HOST")]
    [InlineData("DB HOST")]
    [InlineData("DB=HOST")]
    public void Variable_names_follow_the_kubernetes_rule(string name) =>
        AssertRefused(
            Specs.Minimal() with
            {
                Environment = [new EnvironmentVariable(name, "x")],
            },
            "Environment[0].Name",
            $"'{name}' is not a valid variable name"
        );

    [Theory]
    [InlineData("DB_HOST")]
    [InlineData("spring.datasource.url")]
    [InlineData("_private")]
    [InlineData("my-var")]
    public void Variable_names_kubernetes_accepts_are_accepted(string name) =>
        Assert.Empty((Specs.Minimal() with { Environment = [new EnvironmentVariable(name, "x")] }).Validate());

    [Fact]
    public void A_variable_is_set_once()
    {
        AssertRefused(
            Specs.Minimal() with
            {
                Environment =
                [
                    new EnvironmentVariable("A", "1"),
                    new EnvironmentVariable("B", "2"),
                    new EnvironmentVariable("A", "3", IsSecret: true),
                ],
            },
            "Environment[2].Name",
            "Variable 'A' is set twice"
        );
    }

    [Theory]
    [InlineData("etc/app", "is not absolute: start it with '/'")]
    [InlineData("/", "cannot be mounted at '/'")]
    [InlineData("/etc/app/", "without a '/' at the end")]
    [InlineData("/etc/../root", "may not contain '.' or '..' parts")]
    [InlineData("/etc//app", "has an empty part")]
    public void Config_files_are_mounted_in_an_absolute_directory(string path, string message) =>
        AssertRefused(
            Specs.Minimal() with
            {
                ConfigFiles = [new ConfigFile(path, "app.yaml", "a: 1")],
            },
            "ConfigFiles[0].MountPath",
            message
        );

    [Theory]
    [InlineData("app config.yaml")]
    [InlineData("conf/app.yaml")]
    [InlineData("..data")]
    [InlineData(".")]
    public void Config_file_names_are_valid_config_map_keys(string fileName) =>
        AssertRefused(
            Specs.Minimal() with
            {
                ConfigFiles = [new ConfigFile("/etc/app", fileName, "a: 1")],
            },
            "ConfigFiles[0].FileName",
            $"'{fileName}' is not a valid file name"
        );

    [Fact]
    public void A_config_file_is_defined_once_per_directory()
    {
        var spec = Specs.Minimal() with
        {
            ConfigFiles =
            [
                new ConfigFile("/etc/app", "app.yaml", "a: 1"),
                new ConfigFile("/etc/other", "app.yaml", "a: 2"),
                new ConfigFile("/etc/app", "app.yaml", "a: 3"),
            ],
        };

        AssertRefused(spec, "ConfigFiles[2].FileName", "/etc/app/app.yaml is defined twice");
    }

    [Fact]
    public void Config_files_fit_in_one_config_map()
    {
        var big = new string('x', 600 * 1024);

        AssertRefused(
            Specs.Minimal() with
            {
                ConfigFiles = [new ConfigFile("/a", "one", big), new ConfigFile("/a", "two", big)],
            },
            "ConfigFiles",
            "Config files hold 1.2 MiB together; the limit is 1000 KiB."
        );
    }

    [Fact]
    public void An_application_requests_cpu_and_memory_so_that_quota_admission_is_honest()
    {
        var problems = (
            Specs.Minimal() with
            {
                Resources = new ContainerResources(0, 500, 0, 256 * Specs.Mi),
            }
        ).Validate();

        Assert.Equal(["Resources.CpuRequest", "Resources.MemoryRequest"], problems.Select(p => p.Field));
        Assert.Contains("Request some CPU", problems[0].Message);
    }

    [Fact]
    public void Limits_are_not_below_requests()
    {
        var problems = (
            Specs.Minimal() with
            {
                Resources = new ContainerResources(500, 250, 512 * Specs.Mi, 256 * Specs.Mi),
            }
        ).Validate();

        Assert.Equal(
            [
                Problem.Invalid("Resources.CpuLimit", "The CPU limit (0.25) is below the CPU request (0.5)."),
                Problem.Invalid(
                    "Resources.MemoryLimit",
                    "The memory limit (256 MiB) is below the memory request (512 MiB)."
                ),
            ],
            problems
        );
    }

    [Theory]
    [InlineData(-1, "Replicas cannot be negative")]
    [InlineData(1001, "1001 replicas is too many: use at most 1000.")]
    public void Replicas_are_between_0_and_1000(int replicas, string message) =>
        AssertRefused(Specs.Minimal() with { Replicas = replicas }, "Replicas", message);

    [Fact]
    public void Zero_replicas_stop_an_application() => Assert.Empty(Specs.Minimal().WithReplicas(0).Validate());

    [Fact]
    public void An_http_probe_has_a_path_starting_with_a_slash()
    {
        AssertRefused(
            Specs.Minimal() with
            {
                Liveness = new Probe(ProbeKind.Http, "healthz", 8080),
            },
            "Liveness.Path",
            "starting with '/'"
        );
        AssertRefused(
            Specs.Minimal() with
            {
                Readiness = new Probe(ProbeKind.Http, null, 8080),
            },
            "Readiness.Path",
            "starting with '/'"
        );
    }

    [Fact]
    public void A_tcp_probe_has_no_path() =>
        AssertRefused(
            Specs.Minimal() with
            {
                Readiness = new Probe(ProbeKind.Tcp, "/healthz", 5432),
            },
            "Readiness.Path",
            "leave the path empty"
        );

    [Fact]
    public void Probe_ports_and_timings_are_in_range()
    {
        var problems = (Specs.Minimal() with { Liveness = new Probe(ProbeKind.Tcp, null, 0, -1, 0, 0) }).Validate();

        Assert.Equal(
            ["Liveness.Port", "Liveness.InitialDelaySeconds", "Liveness.PeriodSeconds", "Liveness.FailureThreshold"],
            problems.Select(p => p.Field)
        );
        Assert.Equal("Port 0 is out of range: use 1 to 65535.", problems[0].Message);
    }

    [Theory]
    [InlineData("Shop.example.com")]
    [InlineData("shop_example.com")]
    [InlineData("-shop.example.com")]
    [InlineData("shop..example.com")]
    public void The_ingress_host_is_a_dns_subdomain(string host) =>
        AssertRefused(
            Specs.Minimal() with
            {
                Exposure = new Exposure(80, 8080, host),
            },
            "Exposure.IngressHost",
            $"'{host}' is not a valid host name"
        );

    [Fact]
    public void A_wildcard_ingress_host_is_well_formed_whether_or_not_a_pool_grants_it() =>
        Assert.Empty(
            (
                Specs.Minimal() with
                {
                    Exposure = new Exposure(80, 8080, "*.apps.example.com", "/", "apps-tls"),
                }
            ).Validate()
        );

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("192.168.1.20")]
    public void An_ingress_host_is_a_name_not_an_address(string host) =>
        AssertRefused(
            Specs.Minimal() with
            {
                Exposure = new Exposure(80, 8080, host),
            },
            "Exposure.IngressHost",
            "is an address"
        );

    [Theory]
    [InlineData("/api/../admin")]
    [InlineData("/..")]
    [InlineData("/./x")]
    [InlineData("/api//v1")]
    [InlineData("/api/(v1|v2)")]
    [InlineData("/api/.*")]
    [InlineData("/api;rewrite")]
    [InlineData("/api${host}")]
    [InlineData("/api'\"")]
    [InlineData("/%2e%2e/admin")]
    [InlineData("/api?x=1")]
    [InlineData("/api#top")]
    [InlineData("/api{1,3}")]
    public void An_ingress_path_holds_only_plain_path_characters(string path) =>
        AssertRefused(
            Specs.Minimal() with
            {
                Exposure = new Exposure(80, 8080, "shop.example.com", path),
            },
            "Exposure.IngressPath",
            "An ingress path is made of segments of the characters A-Z a-z 0-9 - . _ ~"
        );

    [Theory]
    [InlineData("/")]
    [InlineData("/api")]
    [InlineData("/api/v1.2/")]
    [InlineData("/static/app-bundle_01~x.js")]
    public void Plain_ingress_paths_are_accepted(string path) =>
        Assert.Empty((Specs.Minimal() with { Exposure = new Exposure(80, 8080, "shop.example.com", path) }).Validate());

    [Fact]
    public void Service_ports_are_in_range()
    {
        var problems = (Specs.Minimal() with { Exposure = new Exposure(0, 65536) }).Validate();

        Assert.Equal(["Exposure.ServicePort", "Exposure.TargetPort"], problems.Select(p => p.Field));
    }

    [Fact]
    public void The_ingress_path_starts_with_a_slash() =>
        AssertRefused(
            Specs.Minimal() with
            {
                Exposure = new Exposure(80, 8080, "shop.example.com", "api"),
            },
            "Exposure.IngressPath",
            "An ingress path starts with '/', like '/api'."
        );

    [Fact]
    public void Tls_and_an_ingress_path_need_an_ingress_host()
    {
        var problems = (
            Specs.Minimal() with
            {
                Exposure = new Exposure(80, 8080, null, "/api", "shop-tls"),
            }
        ).Validate();

        Assert.Equal(["Exposure.IngressPath", "Exposure.TlsSecretName"], problems.Select(p => p.Field));
        Assert.Contains("TLS needs an ingress host", problems[1].Message);
    }

    [Fact]
    public void The_tls_secret_name_is_a_dns_subdomain() =>
        AssertRefused(
            Specs.Minimal() with
            {
                Exposure = new Exposure(443, 8443, "shop.example.com", null, "Shop_TLS"),
            },
            "Exposure.TlsSecretName",
            "'Shop_TLS' is not a valid secret name"
        );

    [Fact]
    public void An_ingress_does_not_front_a_udp_port() =>
        AssertRefused(
            Specs.Minimal() with
            {
                Ports = [new ContainerPort("dns", 53, PortProtocol.Udp)],
                Exposure = new Exposure(53, 53, "dns.example.com"),
            },
            "Exposure.IngressHost",
            "port 53 is UDP"
        );

    [Fact]
    public void The_autoscaler_keeps_at_least_one_replica() =>
        AssertRefused(
            Specs.Minimal().WithAutoscaling(new AutoscalingPolicy(0, 3, 70, null)),
            "Autoscaling.MinReplicas",
            "at least 1 replica"
        );

    [Theory]
    [InlineData(5, 2, "The maximum (2) is below the minimum (5).")]
    [InlineData(1, 1001, "1001 replicas is too many: use at most 1000.")]
    public void The_autoscaler_maximum_is_between_the_minimum_and_1000(int min, int max, string message) =>
        AssertRefused(
            Specs.Minimal().WithAutoscaling(new AutoscalingPolicy(min, max, 70, null)),
            "Autoscaling.MaxReplicas",
            message
        );

    [Fact]
    public void The_autoscaler_has_a_target() =>
        AssertRefused(
            Specs.Minimal().WithAutoscaling(new AutoscalingPolicy(1, 3, null, null)),
            "Autoscaling",
            "CPU or memory target"
        );

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void Autoscaling_targets_are_percentages(int percent)
    {
        var problems = Specs.Minimal().WithAutoscaling(new AutoscalingPolicy(1, 3, percent, percent)).Validate();

        Assert.Equal(
            ["Autoscaling.CpuUtilizationPercent", "Autoscaling.MemoryUtilizationPercent"],
            problems.Select(p => p.Field)
        );
        Assert.Equal($"A target of {percent} percent is out of range: use 1 to 100.", problems[0].Message);
    }

    [Fact]
    public void Helpers_return_changed_copies_and_leave_the_spec_as_it_was()
    {
        var spec = Specs.Minimal();

        var changed = spec.WithReplicas(4)
            .WithResources(new ContainerResources(1, 2, 3, 4))
            .WithAutoscaling(new AutoscalingPolicy(1, 2, 50, null))
            .WithEnvironment([new EnvironmentVariable("A", "1")])
            .WithEnvironmentVariable(new EnvironmentVariable("A", "2", IsSecret: true))
            .WithEnvironmentVariable(new EnvironmentVariable("B", "3"));

        Assert.Equal((1, 0), (spec.Replicas, spec.Environment.Count));
        Assert.Equal(4, changed.Replicas);
        Assert.Equal(new ContainerResources(1, 2, 3, 4), changed.Resources);
        Assert.Equal(50, changed.Autoscaling!.CpuUtilizationPercent);
        Assert.Equal(
            [new EnvironmentVariable("A", "2", IsSecret: true), new EnvironmentVariable("B", "3")],
            changed.Environment
        );
        Assert.True(changed.HasSecrets);
        Assert.False(spec.HasSecrets);
    }

    [Fact]
    public void A_spec_does_not_change_when_the_list_it_was_made_from_does()
    {
        var ports = new List<ContainerPort> { new("http", 8080) };
        var spec = Specs.Minimal() with { Ports = ports };

        ports.Add(new ContainerPort("metrics", 9090));

        Assert.Single(spec.Ports);
    }

    [Fact]
    public void Specs_with_the_same_content_are_equal()
    {
        Assert.Equal(Specs.Full(), Specs.Full());
        Assert.NotEqual(Specs.Full(), Specs.Full() with { Args = ["Orders.Api.dll"] });
    }

    [Fact]
    public void A_spec_survives_a_json_round_trip_with_default_options()
    {
        var spec = Specs.Full();

        var json = JsonSerializer.Serialize(spec);
        var read = JsonSerializer.Deserialize<DeploymentSpec>(json);

        Assert.Equal(spec, read);
        Assert.Empty(SpecDiff.Between(spec, read!));
        Assert.Contains("\"Kind\":\"Http\"", json);
    }

    [Fact]
    public void Lists_left_out_of_the_json_read_as_empty()
    {
        var read = JsonSerializer.Deserialize<DeploymentSpec>(
            """{ "Image": "nginx:1.27", "Resources": { "CpuRequestMillis": 100, "CpuLimitMillis": 100, "MemoryRequestBytes": 1, "MemoryLimitBytes": 1 }, "Ports": null }"""
        )!;

        Assert.Empty(read.Ports);
        Assert.Empty(read.Environment);
        Assert.Equal(1, read.Replicas);
    }

    [Fact]
    public void A_secret_value_is_not_printed()
    {
        var text = Specs.Full().Environment[2].ToString();

        Assert.DoesNotContain("s3cr3t", text);
        Assert.Contains(EnvironmentVariable.Mask, text);
    }
}

public sealed class ImageReferenceTests
{
    [Fact]
    public void A_library_image_lives_on_docker_hub()
    {
        var image = ImageReference.Parse("nginx:1.27").Value;

        Assert.Equal(
            ("docker.io", "library/nginx", "1.27", (string?)null),
            (image.Registry, image.Repository, image.Tag, image.Digest)
        );
        Assert.Equal("1.27", image.Version);
    }

    [Fact]
    public void A_registry_with_a_port_is_told_apart_from_a_tag()
    {
        var image = ImageReference.Parse("registry.example.com:5000/team/api:2.3.1").Value;

        Assert.Equal(("registry.example.com:5000", "team/api", "2.3.1"), (image.Registry, image.Repository, image.Tag));
        Assert.Equal("registry.example.com:5000/team/api:2.3.1", image.ToString());
    }

    [Fact]
    public void A_registry_with_a_port_and_no_tag_pulls_latest()
    {
        var image = ImageReference.Parse("localhost:5000/api").Value;

        Assert.Equal(("localhost:5000", "api", (string?)null), (image.Registry, image.Repository, image.Tag));
        Assert.Equal("latest", image.Version);
    }

    [Fact]
    public void A_digest_gives_a_short_version()
    {
        const string digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

        var image = ImageReference.Parse($"ghcr.io/acme/api@{digest}").Value;

        Assert.Equal(
            ("ghcr.io", "acme/api", (string?)null, digest),
            (image.Registry, image.Repository, image.Tag, image.Digest)
        );
        Assert.Equal("sha256-0123456789ab", image.Version);
    }

    [Fact]
    public void A_tag_next_to_a_digest_is_the_version()
    {
        var image = ImageReference
            .Parse("nginx:1.27@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
            .Value;

        Assert.Equal("1.27", image.Tag);
        Assert.Equal("1.27", image.Version);
    }

    [Fact]
    public void A_user_image_on_docker_hub_keeps_its_path()
    {
        var image = ImageReference.Parse("bitnami/redis:7.2").Value;

        Assert.Equal(("docker.io", "bitnami/redis"), (image.Registry, image.Repository));
    }

    [Fact]
    public void The_version_is_a_valid_label_value_even_for_long_or_odd_tags()
    {
        var longTag = "v" + new string('1', 70) + "-";

        Assert.Equal(63, ImageReference.Parse($"api:{longTag}").Value.Version.Length);
        Assert.Equal("build.7", ImageReference.Parse("api:_build.7-").Value.Version);
    }

    [Fact]
    public void An_uppercase_repository_is_refused_with_the_lowercase_spelling()
    {
        var result = ImageReference.Parse("MyOrg/Api:1", "Image");

        Assert.False(result.Succeeded);
        Assert.Equal("Image", result.Problem!.Field);
        Assert.Contains("write 'api' rather than 'Api'", result.Problem.Message);
    }
}

public sealed class ApplicationNameTests
{
    [Theory]
    [InlineData("orders-api")]
    [InlineData("a")]
    [InlineData("web2")]
    public void Lowercase_dns_labels_are_application_names(string name) =>
        Assert.Equal(name, ApplicationName.Create(name).Value.Value);

    [Theory]
    [InlineData("", "An application needs a name.")]
    [InlineData("Orders", "is not a valid application name")]
    [InlineData("orders_api", "is not a valid application name")]
    [InlineData("orders-", "is not a valid application name")]
    [InlineData("2fa", "starting with a letter")]
    [InlineData("a-name-that-is-longer-than-forty-characters", "at most 40 characters")]
    public void Other_names_are_refused(string name, string message)
    {
        var result = ApplicationName.Create(name);

        Assert.Equal("Name", result.Problem!.Field);
        Assert.Contains(message, result.Problem.Message);
    }
}
