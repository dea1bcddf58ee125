using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>Which base images recipes build on when the settings do not say.</summary>
public sealed class BaseImageSourceTests
{
    [Theory]
    [InlineData(null, null, BaseImageSource.Local)]
    [InlineData("true", null, BaseImageSource.Local)]
    [InlineData("false", null, BaseImageSource.Public)]
    [InlineData("true", "Public", BaseImageSource.Public)]
    [InlineData("false", "Local", BaseImageSource.Local)]
    public void The_embedded_registry_builds_on_local_base_images_unless_told_otherwise(
        string? embedded,
        string? source,
        BaseImageSource expected
    )
    {
        // A key given a null value binds as false; an unset setting is a key left out.
        var settings = new Dictionary<string, string?>();
        if (embedded is not null)
            settings["Portal:Builds:Registry:Embedded"] = embedded;
        if (source is not null)
            settings["Portal:Builds:BaseImages:Source"] = source;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddPortalInfrastructure(configuration, Path.GetTempPath())
            .BuildServiceProvider();

        Assert.Equal(expected, services.GetRequiredService<IOptions<BaseImageOptions>>().Value.Source);
    }
}
