using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Builds;

public static class BuildsSetup
{
    /// <summary>
    /// Registers the registry (<see cref="RegistryConnection"/>, <see cref="IImageRegistry"/>), the local buildah
    /// builder as <see cref="IImageBuilder"/> with its <see cref="BuildSlots"/>, and the base image maker. The embedded
    /// registry itself is started by the web host. Data Protection is expected to be registered already.
    /// </summary>
    public static IServiceCollection AddPortalBuilds(
        this IServiceCollection services,
        IConfiguration configuration,
        string contentRoot
    )
    {
        services
            .AddOptions<RegistryOptions>()
            .Bind(configuration.GetSection(RegistryOptions.Section))
            .PostConfigure(o =>
            {
                if (string.IsNullOrWhiteSpace(o.EmbeddedDataDirectory))
                    o.EmbeddedDataDirectory = Path.Combine(contentRoot, "App_Data", "registry");
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<RegistryOptions>>(
            new MessageValidation<RegistryOptions>(o => o.Invalid())
        );
        services
            .AddOptions<BuildahOptions>()
            .Bind(configuration.GetSection(BuildahOptions.Section))
            .PostConfigure(o =>
            {
                if (string.IsNullOrWhiteSpace(o.StorageDirectory))
                    o.StorageDirectory = Path.Combine(contentRoot, "App_Data", "builds");
            })
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<BuildahOptions>>(
            new MessageValidation<BuildahOptions>(o => o.Invalid())
        );
        services.AddSingleton<RegistryPasswordSeal>();
        services.AddSingleton<RegistryConnection>();
        services.AddTransient(provider => provider.GetRequiredService<RegistryConnection>().Registry());
        services.AddSingleton(provider =>
        {
            var buildah = provider.GetRequiredService<IOptions<BuildahOptions>>().Value;
            return new BuildSlots(buildah.ConcurrentBuilds, buildah.ConcurrentBuildsPerTenant);
        });
        services.AddSingleton(provider => new BuildStorage(
            provider.GetRequiredService<IOptions<BuildahOptions>>().Value.StorageDirectory
        ));
        services.AddSingleton<IImageBuilder, BuildahImageBuilder>();
        services.AddSingleton<IBaseRootFilesystem, MmdebstrapRootFilesystem>();
        services.AddSingleton<BaseImageMaker>();
        return services;
    }

    /// <summary>Fails options whose own check names what is wrong, with that sentence.</summary>
    private sealed class MessageValidation<T>(Func<T, string?> invalid) : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            invalid(options) is { } message ? ValidateOptionsResult.Fail(message) : ValidateOptionsResult.Success;
    }
}
