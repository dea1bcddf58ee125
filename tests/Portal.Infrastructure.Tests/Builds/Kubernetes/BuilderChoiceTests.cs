using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Kubernetes;
using Portal.Infrastructure.Clusters;

namespace Portal.Infrastructure.Tests.Builds.Kubernetes;

public sealed class BuilderChoiceTests
{
    private static IImageBuilder Chosen(string? builder)
    {
        var settings = new Dictionary<string, string?>();
        if (builder is not null)
            settings[BuildsSetup.BuilderSetting] = builder;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<KubeconfigVault>();
        services.AddSingleton<KubernetesClients>();
        services.AddPortalBuilds(configuration, Path.GetTempPath());
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IImageBuilder>();
    }

    [Fact]
    public void Buildah_builds_unless_the_settings_say_otherwise()
    {
        Assert.IsType<BuildahImageBuilder>(Chosen(null));
        Assert.IsType<BuildahImageBuilder>(Chosen("Buildah"));
    }

    [Fact]
    public void The_settings_can_choose_a_BuildKit_Job_per_build()
    {
        Assert.IsType<KubernetesJobBuilder>(Chosen("KubernetesJob"));
    }

    [Fact]
    public void An_unknown_builder_stops_the_portal_at_start_naming_both_choices()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Chosen("Kaniko"));

        Assert.Contains("Buildah", error.Message, StringComparison.Ordinal);
        Assert.Contains("KubernetesJob", error.Message, StringComparison.Ordinal);
    }
}
