using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Monitoring;
using Portal.Domain.Tenancy;

namespace Portal.Infrastructure.Monitoring.Notifications;

internal sealed class NotificationChannelConfiguration : IEntityTypeConfiguration<NotificationChannel>
{
    public void Configure(EntityTypeBuilder<NotificationChannel> channel)
    {
        channel.ToTable("NotificationChannels");
        channel.Property(c => c.Name).HasMaxLength(NotificationChannel.NameMaxLength).IsRequired();
        channel.Property(c => c.Kind).HasConversion<string>().HasMaxLength(16);
        channel.Property(c => c.Target).HasMaxLength(NotificationChannel.TargetMaxLength).IsRequired();
        channel.Property(c => c.SealedSecret).IsRequired();
        channel.Property(c => c.SealedUrl).IsRequired();
        channel.HasIndex(c => new { c.TenantId, c.Name }).IsUnique();
        channel.HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.Cascade);
        channel.Ignore(c => c.Recipients);
        channel.Ignore(c => c.IsPlatformChannel);
    }
}
