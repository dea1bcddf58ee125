using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Kubernetes;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Builds;

public static class BuildsSetup
{
    /// <summary>
    /// The setting that chooses the <see cref="IImageBuilder"/>: <c>Buildah</c> (default) or <c>KubernetesJob</c>.
    /// </summary>
    public const string BuilderSetting = "Portal:Builds:Builder";

    /// <summary>
    /// Registers the registry (<see cref="RegistryConnection"/>, <see cref="IImageRegistry"/>), the
    /// <see cref="IImageBuilder"/> that <see cref="BuilderSetting"/> names (the local buildah builder with its
    /// <see cref="BuildSlots"/>, or a BuildKit Job per build in the tenant's cluster), and the base image maker. The
    /// embedded registry itself is started by the web host. Data Protection is expected to be registered already.
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
        services.AddTransient<IImageRegistry>(provider => new SharedRegistry(
            provider.GetRequiredService<RegistryConnection>().Registry()
        ));
        services.AddSingleton(provider =>
        {
            var buildah = provider.GetRequiredService<IOptions<BuildahOptions>>().Value;
            return new BuildSlots(buildah.ConcurrentBuilds, buildah.ConcurrentBuildsPerTenant);
        });
        services.AddSingleton(provider => new BuildStorage(
            provider.GetRequiredService<IOptions<BuildahOptions>>().Value.StorageDirectory
        ));
        services.AddSingleton<BuildahImageBuilder>();
        services
            .AddOptions<KubernetesJobOptions>()
            .Bind(configuration.GetSection(KubernetesJobOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<KubernetesJobOptions>>(
            new MessageValidation<KubernetesJobOptions>(o => o.Invalid())
        );
        services.AddSingleton<IBuildClusters, TenantBuildClusters>();
        services.AddSingleton(provider =>
        {
            var connection = provider.GetRequiredService<RegistryConnection>();
            return new KubernetesJobBuilder(
                provider.GetRequiredService<IOptions<KubernetesJobOptions>>(),
                connection,
                connection.Registry,
                provider.GetRequiredService<IBuildClusters>()
            );
        });
        var builder = configuration[BuilderSetting] ?? "Buildah";
        if (builder.Equals("KubernetesJob", StringComparison.OrdinalIgnoreCase))
            services.AddSingleton<IImageBuilder>(provider => provider.GetRequiredService<KubernetesJobBuilder>());
        else if (builder.Equals("Buildah", StringComparison.OrdinalIgnoreCase))
            services.AddSingleton<IImageBuilder>(provider => provider.GetRequiredService<BuildahImageBuilder>());
        else
            throw new InvalidOperationException(
                $"{BuilderSetting} is '{builder}': it is Buildah (this machine) or KubernetesJob "
                    + "(a BuildKit Job per build)."
            );
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
