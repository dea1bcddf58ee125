using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Identity;

namespace Portal.Infrastructure.Tenancy;

internal sealed class TenantConfiguration : IEntityTypeConfiguration<Tenant>
{
    public void Configure(EntityTypeBuilder<Tenant> tenant)
    {
        tenant.ToTable("Tenants");
        tenant.Property(t => t.Slug).HasMaxLength(TenantSlug.MaxLength).IsRequired();
        tenant.HasIndex(t => t.Slug).IsUnique();
        tenant.Property(t => t.DisplayName).HasMaxLength(DisplayName.MaxLength).IsRequired();
        tenant.Property(t => t.Status).HasConversion<string>().HasMaxLength(20);
        tenant.HasIndex(t => t.DisplayName);
    }
}

internal sealed class TenantMembershipConfiguration : IEntityTypeConfiguration<TenantMembership>
{
    public void Configure(EntityTypeBuilder<TenantMembership> membership)
    {
        membership.ToTable("TenantMemberships");
        membership.Property(m => m.Role).HasConversion<string>().HasMaxLength(20);
        membership.HasIndex(m => new { m.TenantId, m.UserId }).IsUnique();
        membership.HasIndex(m => m.UserId);
        membership.HasOne<Tenant>().WithMany().HasForeignKey(m => m.TenantId).OnDelete(DeleteBehavior.Cascade);
        membership.HasOne<PortalUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class InvitationConfiguration : IEntityTypeConfiguration<Invitation>
{
    public void Configure(EntityTypeBuilder<Invitation> invitation)
    {
        invitation.ToTable("Invitations");
        invitation.Property(i => i.Email).HasMaxLength(EmailAddress.MaxLength).IsRequired();
        invitation.Property(i => i.Role).HasConversion<string>().HasMaxLength(20);
        invitation.Property(i => i.TokenHash).HasMaxLength(64).IsRequired();
        invitation.HasIndex(i => i.TokenHash).IsUnique();
        invitation.HasIndex(i => new { i.TenantId, i.CreatedAt });
        invitation.HasOne<Tenant>().WithMany().HasForeignKey(i => i.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ServiceAccountConfiguration : IEntityTypeConfiguration<ServiceAccount>
{
    public void Configure(EntityTypeBuilder<ServiceAccount> account)
    {
        account.ToTable("ServiceAccounts");
        account.Property(s => s.Name).HasMaxLength(DisplayName.MaxLength).IsRequired();
        account.Property(s => s.Role).HasConversion<string>().HasMaxLength(20);
        account.Property(s => s.ClientId).HasMaxLength(64).IsRequired();
        account.HasIndex(s => s.ClientId).IsUnique();
        account.HasIndex(s => new { s.TenantId, s.Name }).IsUnique();
        account.HasOne<Tenant>().WithMany().HasForeignKey(s => s.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}
