using System.Text.Json;
using Portal.Domain.Applications;

namespace Portal.Domain.Tests.Applications;

public sealed class SpecDiffTests
{
    private static DeploymentSpec Secret(DeploymentSpec spec, string name, string value) =>
        spec.WithEnvironmentVariable(new EnvironmentVariable(name, value, IsSecret: true));

    [Fact]
    public void A_variable_taken_from_a_secret_is_shown_as_the_reference()
    {
        var bound = Specs
            .Minimal()
            .WithEnvironmentVariable(
                new EnvironmentVariable("DB_PASSWORD", "", From: new SecretReference("orders-db", "password"))
            );

        var change = Assert.Single(SpecDiff.Between(Specs.Minimal(), bound));

        Assert.Equal(
            ("Environment variable DB_PASSWORD", null, "from secret orders-db, key password"),
            (change.Field, change.Before, change.After)
        );
    }

    [Fact]
    public void Identical_specs_have_no_changes()
    {
        var stored = JsonSerializer.Deserialize<DeploymentSpec>(JsonSerializer.Serialize(Specs.Full()))!;

        Assert.Empty(SpecDiff.Between(Specs.Full(), stored));
    }

    [Fact]
    public void Changes_come_in_form_order_with_the_image_first()
    {
        var to = Specs.Full().WithReplicas(5) with { Image = "registry.example.com:5000/shop/orders-api:2.4.0" };

        var changes = SpecDiff.Between(Specs.Full(), to);

        Assert.Equal(
            [
                new SpecChange(
                    "Image",
                    "registry.example.com:5000/shop/orders-api:2.3.1",
                    "registry.example.com:5000/shop/orders-api:2.4.0"
                ),
                new SpecChange("Replicas", "3", "5"),
            ],
            changes
        );
    }

    [Fact]
    public void Resources_are_said_in_cpus_and_binary_bytes()
    {
        var to = Specs.Full().WithResources(new ContainerResources(250, 2000, 512 * Specs.Mi, 1536 * Specs.Mi));

        var changes = SpecDiff.Between(Specs.Full(), to);

        Assert.Equal(
            [new SpecChange("CPU limit", "1", "2"), new SpecChange("Memory limit", "1 GiB", "1.5 GiB")],
            changes
        );
    }

    [Fact]
    public void A_changed_secret_shows_only_that_it_changed()
    {
        var changes = SpecDiff.Between(Specs.Full(), Secret(Specs.Full(), "DB_PASSWORD", "n3w-pa55"));

        Assert.Equal([new SpecChange("Environment variable DB_PASSWORD", "••••••", "•••••• (changed)")], changes);
    }

    [Fact]
    public void An_added_secret_shows_that_it_is_secret()
    {
        var changes = SpecDiff.Between(Specs.Full(), Secret(Specs.Full(), "API_KEY", "k-123"));

        Assert.Equal([new SpecChange("Environment variable API_KEY", null, "(secret)")], changes);
    }

    [Fact]
    public void Secret_values_never_appear_in_a_diff_however_they_change()
    {
        var plain = Specs.Minimal().WithEnvironment([new EnvironmentVariable("TOKEN", "t0ken-plain")]);
        var secret = Secret(Specs.Minimal(), "TOKEN", "t0ken-plain");
        var otherSecret = Secret(Specs.Minimal(), "TOKEN", "t0ken-other");

        var changes = new[]
        {
            SpecDiff.Between(null, secret),
            SpecDiff.Between(secret, Specs.Minimal()),
            SpecDiff.Between(plain, secret),
            SpecDiff.Between(secret, otherSecret),
        }
            .SelectMany(c => c)
            .ToList();

        Assert.Equal(4, changes.Count(c => c.Field == "Environment variable TOKEN"));
        Assert.DoesNotContain(changes, c => (c.Before + c.After).Contains("t0ken", StringComparison.Ordinal));
    }

    [Fact]
    public void Added_and_removed_variables_show_their_values()
    {
        var to = Specs
            .Full()
            .WithEnvironment([
                new EnvironmentVariable("ASPNETCORE_ENVIRONMENT", "Staging"),
                new EnvironmentVariable("DB_PASSWORD", "s3cr3t-pa55", IsSecret: true),
                new EnvironmentVariable("FEATURE_X", "on"),
            ]);

        var changes = SpecDiff.Between(Specs.Full(), to);

        Assert.Equal(
            [
                new SpecChange("Environment variable ASPNETCORE_ENVIRONMENT", "Production", "Staging"),
                new SpecChange("Environment variable FEATURE_X", null, "on"),
                new SpecChange("Environment variable DB_HOST", "orders-db.shop-prod.svc", null),
            ],
            changes
        );
    }

    [Fact]
    public void Reordered_variables_are_a_change_because_later_ones_may_refer_to_earlier_ones()
    {
        var to = Specs.Full().WithEnvironment(Specs.Full().Environment.Reverse());

        var change = Assert.Single(SpecDiff.Between(Specs.Full(), to));

        Assert.Equal("Environment variable order", change.Field);
        Assert.Equal("DB_PASSWORD, DB_HOST, ASPNETCORE_ENVIRONMENT", change.After);
    }

    [Fact]
    public void A_probe_change_is_one_readable_line()
    {
        var to = Specs.Full() with { Readiness = new Probe(ProbeKind.Http, "/ready", 8080, PeriodSeconds: 5) };

        var change = Assert.Single(SpecDiff.Between(Specs.Full(), to));

        Assert.Equal(
            new SpecChange(
                "Readiness probe",
                "TCP connection to port 8080 (delay 0 s, every 10 s, 3 failures)",
                "HTTP GET /ready on port 8080 (delay 0 s, every 5 s, 3 failures)"
            ),
            change
        );
    }

    [Fact]
    public void A_config_file_change_of_the_same_size_is_still_shown()
    {
        var to = Specs.Full() with
        {
            ConfigFiles =
            [
                Specs.Full().ConfigFiles[0],
                new ConfigFile("/etc/orders", "features.yaml", "checkout: nope\n"),
            ],
        };

        var change = Assert.Single(SpecDiff.Between(Specs.Full(), to));

        Assert.Equal(
            new SpecChange("Config file /etc/orders/features.yaml", "1 line, 15 B", "1 line, 15 B (changed)"),
            change
        );
    }

    [Fact]
    public void Exposure_and_autoscaling_changes_name_their_parts()
    {
        var to = Specs.Full().WithAutoscaling(null) with { Exposure = new Exposure(80, 8080) };

        var changes = SpecDiff.Between(Specs.Full(), to);

        Assert.Equal(
            [
                new SpecChange("Ingress host", "orders.example.com", null),
                new SpecChange("Ingress path", "/api", null),
                new SpecChange("TLS secret", "orders-tls", null),
                new SpecChange("Autoscaling", "2 to 10 replicas at CPU 70%", null),
            ],
            changes
        );
    }

    [Fact]
    public void A_first_revision_lists_everything_that_is_set()
    {
        var changes = SpecDiff.Between(null, Specs.Minimal());

        Assert.Equal(
            [
                new SpecChange("Image", null, "nginx:1.27"),
                new SpecChange("CPU request", null, "0.1"),
                new SpecChange("CPU limit", null, "0.5"),
                new SpecChange("Memory request", null, "128 MiB"),
                new SpecChange("Memory limit", null, "256 MiB"),
                new SpecChange("Replicas", null, "1"),
            ],
            changes
        );
    }
}
