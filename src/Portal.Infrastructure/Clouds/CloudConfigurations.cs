using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Clouds;
using Portal.Domain.Clusters;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;

namespace Portal.Infrastructure.Clouds;

internal sealed class CloudAccountConfiguration : IEntityTypeConfiguration<CloudAccount>
{
    public void Configure(EntityTypeBuilder<CloudAccount> account)
    {
        account.ToTable("CloudAccounts");
        account.Property(a => a.Name).HasMaxLength(TenantSlug.MaxLength).IsRequired();
        account.HasIndex(a => a.Name).IsUnique();
        account.Property(a => a.DisplayName).HasMaxLength(DisplayName.MaxLength).IsRequired();
        account.Property(a => a.Regions).HasMaxLength(1400).IsRequired();
        account.Property(a => a.Endpoint).HasMaxLength(CloudAccount.EndpointMaxLength);
        account.Property(a => a.Settings).IsRequired();
        account.Property(a => a.SealedSecrets).IsRequired();
        account.Property(a => a.SecretsSet).HasMaxLength(500).IsRequired();
        account.Property(a => a.CheckedAs).HasMaxLength(200);
        account.Property(a => a.OrphanReport).HasMaxLength(2000);
        account.Property(a => a.CreatedBy).HasMaxLength(256).IsRequired();
        account.HasOne<ResourcePool>().WithMany().HasForeignKey(a => a.LentToPoolId).OnDelete(DeleteBehavior.SetNull);
        account.HasIndex(a => a.LentToPoolId);
        account.Ignore(a => a.RegionList);
    }
}

internal sealed class HostTemplateConfiguration : IEntityTypeConfiguration<HostTemplate>
{
    public void Configure(EntityTypeBuilder<HostTemplate> template)
    {
        template.ToTable("HostTemplates");
        template.Property(t => t.Name).HasMaxLength(TenantSlug.MaxLength).IsRequired();
        template.HasIndex(t => new { t.PoolId, t.Name }).IsUnique();
        template.HasIndex(t => t.AccountId);
        template.HasOne<ResourcePool>().WithMany().HasForeignKey(t => t.PoolId).OnDelete(DeleteBehavior.Cascade);
        template.HasOne<CloudAccount>().WithMany().HasForeignKey(t => t.AccountId).OnDelete(DeleteBehavior.Restrict);
        foreach (
            var text in new[]
            {
                "Region",
                "Zone",
                "InstanceType",
                "Image",
                "Network",
                "Subnet",
                "SecurityGroup",
                "KeyPair",
            }
        )
            template.Property<string>(text).HasMaxLength(HostTemplate.ValueMaxLength).IsRequired();
        template.Property(t => t.ImageName).HasMaxLength(300).IsRequired();
        template.Property(t => t.Labels).HasMaxLength(NodeSelector.MaxLength).IsRequired();
        template.Property(t => t.Taints).HasMaxLength(2000).IsRequired();
        template.Property(t => t.CreatedBy).HasMaxLength(256).IsRequired();
        template.Ignore(t => t.LabelSet);
        template.Ignore(t => t.TaintList);
    }
}

internal sealed class CloudHostConfiguration : IEntityTypeConfiguration<CloudHost>
{
    public void Configure(EntityTypeBuilder<CloudHost> host)
    {
        host.ToTable("CloudHosts");
        host.Property(h => h.Name).HasMaxLength(63).IsRequired();
        host.HasIndex(h => new { h.ClusterId, h.Name }).IsUnique();
        host.HasIndex(h => new { h.PoolId, h.State });
        host.HasIndex(h => new { h.AccountId, h.State });
        host.HasIndex(h => h.RequestedAt);
        host.HasOne<ResourcePool>().WithMany().HasForeignKey(h => h.PoolId).OnDelete(DeleteBehavior.Restrict);
        host.HasOne<Cluster>().WithMany().HasForeignKey(h => h.ClusterId).OnDelete(DeleteBehavior.Restrict);
        host.HasOne<CloudAccount>().WithMany().HasForeignKey(h => h.AccountId).OnDelete(DeleteBehavior.Restrict);
        host.Property(h => h.AccountName).HasMaxLength(TenantSlug.MaxLength).IsRequired();
        host.Property(h => h.TemplateName).HasMaxLength(TenantSlug.MaxLength).IsRequired();
        foreach (var text in new[] { "Region", "Zone", "InstanceType", "Image" })
            host.Property<string>(text).HasMaxLength(HostTemplate.ValueMaxLength).IsRequired();
        host.Property(h => h.InstanceId).HasMaxLength(200);
        host.Property(h => h.PrivateAddress).HasMaxLength(100);
        host.Property(h => h.PublicAddress).HasMaxLength(100);
        host.Property(h => h.BootstrapTokenId).HasMaxLength(6);
        host.Property(h => h.SealedBootstrapToken).HasMaxLength(1000);
        host.Property(h => h.RequestedBy).HasMaxLength(256).IsRequired();
        host.Property(h => h.DecommissionedBy).HasMaxLength(256);
        host.Ignore(h => h.Counts);
    }
}

internal sealed class PinnedHostKeyConfiguration : IEntityTypeConfiguration<PinnedHostKey>
{
    public void Configure(EntityTypeBuilder<PinnedHostKey> key)
    {
        key.ToTable("PinnedHostKeys");
        key.HasKey(k => new { k.AccountId, k.Address });
        key.Property(k => k.Address).HasMaxLength(300);
        key.Property(k => k.Fingerprint).HasMaxLength(200).IsRequired();
        key.HasOne<CloudAccount>().WithMany().HasForeignKey(k => k.AccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
