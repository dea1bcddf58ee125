using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Pipelines.Stages;

namespace Portal.Infrastructure.Tests.Pipelines.Stages;

public sealed class TestCommandChoiceTests
{
    private static IImageCommands Chosen(string? builder)
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
        services.AddPipelineStages(configuration);
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IImageCommands>();
    }

    [Fact]
    public void Test_commands_run_with_buildah_where_buildah_builds()
    {
        Assert.IsType<BuildahImageCommands>(Chosen(null));
        Assert.IsType<BuildahImageCommands>(Chosen("Buildah"));
    }

    [Fact]
    public void Test_commands_run_as_Jobs_where_builds_run_as_Jobs()
    {
        Assert.IsType<KubernetesImageCommands>(Chosen("KubernetesJob"));
    }
}
