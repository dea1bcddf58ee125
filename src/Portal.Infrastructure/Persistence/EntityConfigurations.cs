using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Infrastructure.Identity;

namespace Portal.Infrastructure.Persistence;

internal sealed class PortalUserConfiguration : IEntityTypeConfiguration<PortalUser>
{
    public void Configure(EntityTypeBuilder<PortalUser> user)
    {
        user.Property(u => u.DisplayName).HasMaxLength(100).IsRequired();
    }
}

internal sealed class OidcSigningKeyConfiguration : IEntityTypeConfiguration<OidcSigningKey>
{
    public void Configure(EntityTypeBuilder<OidcSigningKey> key)
    {
        key.ToTable("OidcSigningKeys");
        key.Property(k => k.Use).HasMaxLength(20).IsRequired();
        key.HasIndex(k => k.Use).IsUnique();
    }
}
