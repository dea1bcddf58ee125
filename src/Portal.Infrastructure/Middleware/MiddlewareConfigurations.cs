using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Applications;
using Portal.Domain.Environments;
using Portal.Domain.Middleware;
using Portal.Domain.Tenancy;

namespace Portal.Infrastructure.Middleware;

internal sealed class MiddlewareTemplateConfiguration : IEntityTypeConfiguration<MiddlewareTemplate>
{
    public void Configure(EntityTypeBuilder<MiddlewareTemplate> template)
    {
        template.ToTable("MiddlewareTemplates");
        template.Property(t => t.Name).HasMaxLength(MiddlewareTemplate.NameMaxLength).IsRequired();
        template.HasIndex(t => t.Name).IsUnique();
        template.Property(t => t.DisplayName).HasMaxLength(MiddlewareTemplate.DisplayNameMaxLength).IsRequired();
        template.Property(t => t.Icon).HasMaxLength(MiddlewareTemplate.IconMaxLength).IsRequired();
        template.Property(t => t.Description).HasMaxLength(MiddlewareTemplate.DescriptionMaxLength).IsRequired();
        template.Property(t => t.Category).HasConversion<string>().HasMaxLength(20);
        // The catalog page filters by category and visibility and sorts by name.
        template.HasIndex(t => new
        {
            t.Hidden,
            t.Category,
            t.Name,
        });
        // Read and written whole with its template, never queried inside.
        template
            .Property(t => t.Definition)
            .HasConversion(Json.Converter<TemplateDefinition>(), Json.Comparer<TemplateDefinition>())
            .IsRequired();
    }
}

internal sealed class MiddlewareInstanceConfiguration : IEntityTypeConfiguration<MiddlewareInstance>
{
    public void Configure(EntityTypeBuilder<MiddlewareInstance> instance)
    {
        instance.ToTable("MiddlewareInstances");
        instance.Property(i => i.Name).HasMaxLength(MiddlewareInstance.NameMaxLength).IsRequired();
        instance.Property(i => i.TemplateName).HasMaxLength(MiddlewareTemplate.NameMaxLength).IsRequired();
        instance.Property(i => i.Version).HasMaxLength(64).IsRequired();
        instance.Property(i => i.Plan).HasMaxLength(64).IsRequired();
        instance.Property(i => i.SealedCredentials).IsRequired();
        instance.Property(i => i.State).HasConversion<string>().HasMaxLength(20);
        instance.Property(i => i.Reason).HasMaxLength(2000);
        instance.Property(i => i.Endpoint).HasMaxLength(300);
        instance.Property(i => i.CreatedBy).HasMaxLength(256).IsRequired();
        instance
            .Property(i => i.Parameters)
            .HasConversion(
                Json.Converter<IReadOnlyDictionary<string, string>>(),
                Json.Comparer<IReadOnlyDictionary<string, string>>()
            )
            .IsRequired();
        instance.ComplexProperty(i => i.PerReplica);
        instance.HasOne<Tenant>().WithMany().HasForeignKey(i => i.TenantId).OnDelete(DeleteBehavior.Cascade);
        instance
            .HasOne<TenantEnvironment>()
            .WithMany()
            .HasForeignKey(i => i.EnvironmentId)
            .OnDelete(DeleteBehavior.Cascade);
        instance
            .HasOne<MiddlewareTemplate>()
            .WithMany()
            .HasForeignKey(i => i.TemplateId)
            .OnDelete(DeleteBehavior.Restrict);
        // Names are unique in an environment (they name its objects); lists filter by environment, template and state.
        instance.HasIndex(i => new { i.EnvironmentId, i.Name }).IsUnique();
        instance.HasIndex(i => new { i.TenantId, i.Name });
        instance.HasIndex(i => new
        {
            i.TenantId,
            i.TemplateName,
            i.State,
        });
    }
}

internal sealed class MiddlewareBindingConfiguration : IEntityTypeConfiguration<MiddlewareBinding>
{
    public void Configure(EntityTypeBuilder<MiddlewareBinding> binding)
    {
        binding.ToTable("MiddlewareBindings");
        binding.Property(b => b.CreatedBy).HasMaxLength(256).IsRequired();
        binding
            .Property(b => b.Variables)
            .HasConversion(
                Json.Converter<IReadOnlyList<EnvironmentVariable>>(),
                Json.Comparer<IReadOnlyList<EnvironmentVariable>>()
            )
            .IsRequired();
        // An instance is deleted only once unbound (or on confirmation, which unbinds); its environment's deletion
        // takes both.
        binding
            .HasOne<MiddlewareInstance>()
            .WithMany()
            .HasForeignKey(b => b.InstanceId)
            .OnDelete(DeleteBehavior.Cascade);
        binding.HasOne<Application>().WithMany().HasForeignKey(b => b.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        binding.HasIndex(b => new { b.InstanceId, b.ApplicationId }).IsUnique();
        binding.HasIndex(b => b.ApplicationId);
    }
}

/// <summary>
/// Values kept as one JSON document in a column: compared by their JSON, so a change of any part is saved.
/// </summary>
internal static class Json
{
    public static Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<T, string> Converter<T>()
        where T : class =>
        new(
            value => JsonSerializer.Serialize(value, JsonSerializerOptions.Default),
            json => JsonSerializer.Deserialize<T>(json, JsonSerializerOptions.Default)!
        );

    public static ValueComparer<T> Comparer<T>()
        where T : class =>
        new(
            (a, b) =>
                JsonSerializer.Serialize(a, JsonSerializerOptions.Default)
                == JsonSerializer.Serialize(b, JsonSerializerOptions.Default),
            value =>
                JsonSerializer.Serialize(value, JsonSerializerOptions.Default).GetHashCode(StringComparison.Ordinal),
            value =>
                JsonSerializer.Deserialize<T>(
                    JsonSerializer.Serialize(value, JsonSerializerOptions.Default),
                    JsonSerializerOptions.Default
                )!
        );
}
