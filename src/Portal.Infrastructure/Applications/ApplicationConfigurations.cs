using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Portal.Domain.Applications;
using Portal.Domain.Clusters;
using Portal.Domain.Environments;
using Portal.Domain.Tenancy;

namespace Portal.Infrastructure.Applications;

internal sealed class ApplicationConfiguration : IEntityTypeConfiguration<Application>
{
    public void Configure(EntityTypeBuilder<Application> application)
    {
        application.ToTable("Applications");
        application.Property(a => a.Name).HasMaxLength(ApplicationName.MaxLength).IsRequired();
        application.Property(a => a.Description).HasMaxLength(Application.DescriptionMaxLength).IsRequired();
        application.Property(a => a.Owner).HasMaxLength(Application.OwnerMaxLength).IsRequired();
        application.Property(a => a.Image).HasMaxLength(500).IsRequired();
        application.Property(a => a.SealedSpec).IsRequired();
        application.HasOne<Tenant>().WithMany().HasForeignKey(a => a.TenantId).OnDelete(DeleteBehavior.Cascade);
        // The application list searches by name prefix and sorts by name or last change, within a tenant.
        application.HasIndex(a => new { a.TenantId, a.Name }).IsUnique();
        application.HasIndex(a => new { a.TenantId, a.UpdatedAt });
    }
}

internal sealed class RevisionConfiguration : IEntityTypeConfiguration<Revision>
{
    public void Configure(EntityTypeBuilder<Revision> revision)
    {
        revision.ToTable("Revisions");
        revision.Property(r => r.SealedSpec).IsRequired();
        revision.Property(r => r.Image).HasMaxLength(500).IsRequired();
        revision.Property(r => r.Environment).HasMaxLength(TenantEnvironment.NameMaxLength).IsRequired();
        revision.Property(r => r.CreatedBy).HasMaxLength(256).IsRequired();
        revision.Property(r => r.Note).HasMaxLength(Revision.NoteMaxLength);
        revision.Property(r => r.Origin).HasMaxLength(200).IsRequired();
        revision.HasOne<Application>().WithMany().HasForeignKey(r => r.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        revision.OwnsOne(
            r => r.Source,
            source =>
            {
                source.Property(s => s.Build).HasColumnName("SourceBuild");
                source.Property(s => s.Repository).HasColumnName("SourceRepository").HasMaxLength(2048).IsRequired();
                source.Property(s => s.Commit).HasColumnName("SourceCommit").HasMaxLength(64).IsRequired();
                source
                    .Property(s => s.Subject)
                    .HasColumnName("SourceSubject")
                    .HasMaxLength(Domain.Builds.SourceCommit.SubjectMaxLength)
                    .IsRequired();
                source
                    .Property(s => s.Author)
                    .HasColumnName("SourceAuthor")
                    .HasMaxLength(Domain.Builds.SourceCommit.AuthorMaxLength)
                    .IsRequired();
            }
        );
        revision.HasIndex(r => new { r.ApplicationId, r.Number }).IsUnique();
        // The tenant dashboard's recent deploys, newest first.
        revision.HasIndex(r => new { r.TenantId, r.CreatedAt });
    }
}

internal sealed class AppDeploymentConfiguration : IEntityTypeConfiguration<AppDeployment>
{
    public void Configure(EntityTypeBuilder<AppDeployment> deployment)
    {
        deployment.ToTable("AppDeployments");
        deployment.Property(d => d.State).HasConversion<string>().HasMaxLength(20);
        deployment.Property(d => d.Reason).HasMaxLength(2000);
        deployment.Property(d => d.ScaledBy).HasMaxLength(256);
        deployment.ComplexProperty(d => d.PerReplica);
        deployment
            .HasOne<Application>()
            .WithMany()
            .HasForeignKey(d => d.ApplicationId)
            .OnDelete(DeleteBehavior.Cascade);
        deployment
            .HasOne<TenantEnvironment>()
            .WithMany()
            .HasForeignKey(d => d.EnvironmentId)
            .OnDelete(DeleteBehavior.Cascade);
        deployment.HasIndex(d => new { d.ApplicationId, d.EnvironmentId }).IsUnique();
        // The application list filters by environment and by state.
        deployment.HasIndex(d => new
        {
            d.TenantId,
            d.EnvironmentId,
            d.State,
        });
        deployment.HasIndex(d => new { d.TenantId, d.State });
    }
}

internal sealed class WorkloadPodConfiguration : IEntityTypeConfiguration<WorkloadPod>
{
    public void Configure(EntityTypeBuilder<WorkloadPod> pod)
    {
        pod.ToTable("WorkloadPods");
        pod.Property(p => p.Namespace).HasMaxLength(63).IsRequired();
        pod.Property(p => p.Name).HasMaxLength(253).IsRequired();
        pod.Property(p => p.App).HasMaxLength(63).IsRequired();
        pod.Property(p => p.Phase).HasMaxLength(20).IsRequired();
        pod.Property(p => p.Reason).HasMaxLength(100);
        pod.Property(p => p.Message).HasMaxLength(1000);
        pod.Property(p => p.Node).HasMaxLength(253);
        pod.Property(p => p.PodIp).HasMaxLength(64);
        pod.Property(p => p.Containers).HasMaxLength(500).IsRequired();
        pod.HasOne<Cluster>().WithMany().HasForeignKey(p => p.ClusterId).OnDelete(DeleteBehavior.Cascade);
        pod.HasIndex(p => new
            {
                p.ClusterId,
                p.Namespace,
                p.Name,
            })
            .IsUnique();
        // The ops dashboard's pods not running, by reason: the few rows that are, not the many that run.
        pod.HasIndex(p => p.Reason)
            .HasFilter("\"Reason\" IS NOT NULL OR (\"Phase\" <> 'Running' AND \"Phase\" <> 'Succeeded')");
        // An application's pods in an environment: its namespace and its name label.
        pod.HasIndex(p => new
        {
            p.ClusterId,
            p.Namespace,
            p.App,
        });
    }
}

internal sealed class IngressHostClaimConfiguration : IEntityTypeConfiguration<IngressHostClaim>
{
    public void Configure(EntityTypeBuilder<IngressHostClaim> claim)
    {
        claim.ToTable("IngressHostClaims");
        claim.Property(c => c.Host).HasMaxLength(IngressHostClaim.HostMaxLength).IsRequired();
        // One holder per host, across tenants: of two deploys that claim it at once, the second's insert fails here.
        claim.HasIndex(c => c.Host).IsUnique();
        claim.HasIndex(c => c.TenantId);
        claim.HasOne<Tenant>().WithMany().HasForeignKey(c => c.TenantId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class IngressRouteClaimConfiguration : IEntityTypeConfiguration<IngressRouteClaim>
{
    public void Configure(EntityTypeBuilder<IngressRouteClaim> route)
    {
        route.ToTable("IngressRouteClaims");
        route.Property(r => r.Path).HasMaxLength(IngressRouteClaim.PathMaxLength).IsRequired();
        route
            .HasIndex(r => new
            {
                r.HostClaimId,
                r.Path,
                r.EnvironmentId,
            })
            .IsUnique();
        route.HasIndex(r => new { r.ApplicationId, r.EnvironmentId });
        route.HasIndex(r => r.EnvironmentId);
        route.HasOne<IngressHostClaim>().WithMany().HasForeignKey(r => r.HostClaimId).OnDelete(DeleteBehavior.Cascade);
        route.HasOne<Application>().WithMany().HasForeignKey(r => r.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        route
            .HasOne<TenantEnvironment>()
            .WithMany()
            .HasForeignKey(r => r.EnvironmentId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}
