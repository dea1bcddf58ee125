using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Portal.Infrastructure.Builds;

public static class BuildServices
{
    /// <summary>
    /// Git sources and uploaded archives: the Git client, its host guard, the credential vault, the limits.
    /// </summary>
    public static IServiceCollection AddBuildSources(this IServiceCollection services, IConfiguration configuration)
    {
        services
            .AddOptions<GitOptions>()
            .Bind(configuration.GetSection(GitOptions.Section))
            .Validate(o => o.IsValid(), "Portal:Builds:Git: GitPath is set, ConnectTimeout and FetchTimeout positive.")
            .ValidateOnStart();
        services
            .AddOptions<ArchiveOptions>()
            .Bind(configuration.GetSection(ArchiveOptions.Section))
            .Validate(
                o => o.IsValid(),
                "Portal:Builds:Archives: every limit is positive and MaxEntryBytes at most MaxTotalBytes."
            )
            .ValidateOnStart();
        services.AddSingleton<Domain.Builds.IGitClient, GitClient>();
        services.AddSingleton<GitHostGuard>();
        services.AddSingleton<SourceCredentialVault>();
        services.AddSingleton<ArchiveSource>();
        services.AddSingleton<BuildArchives>();
        services.AddScoped<AppSources>();
        services.AddScoped<Runs.Builds>();
        services.TryAddSingleton<Domain.Builds.IBuildLogSink, Runs.SilentBuildLogSink>();
        services.AddScoped<AppImages>();
        services.AddScoped<ImageRetentions>();
        return services;
    }
}
