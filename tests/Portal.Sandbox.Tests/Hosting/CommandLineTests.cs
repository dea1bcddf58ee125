using Portal.Sandbox.Hosting;

namespace Portal.Sandbox.Tests.Hosting;

public sealed class CommandLineTests
{
    [Fact]
    public void Seed_pods_and_their_namespace_are_read_from_the_command_line()
    {
        var arguments = SandboxCommandLine.Parse(
            ["--nodes", "1000", "--seed-pods", "50000", "--seed-namespace", "load"],
            out var error
        );

        Assert.Null(error);
        Assert.NotNull(arguments);
        Assert.Equal(1000, arguments.Options.NodeCount);
        Assert.Equal(50_000, arguments.SeedPods);
        Assert.Equal("load", arguments.SeedNamespace);
    }

    [Fact]
    public void Without_seed_flags_nothing_is_seeded_and_the_namespace_defaults_to_bench()
    {
        var arguments = SandboxCommandLine.Parse(["--port", "0"], out _);

        Assert.NotNull(arguments);
        Assert.Equal(0, arguments.SeedPods);
        Assert.Equal("bench", arguments.SeedNamespace);
    }

    [Fact]
    public void A_negative_seed_pod_count_is_refused()
    {
        var arguments = SandboxCommandLine.Parse(["--seed-pods", "-1"], out var error);

        Assert.Null(arguments);
        Assert.Equal("invalid value for --seed-pods: -1", error);
    }
}
