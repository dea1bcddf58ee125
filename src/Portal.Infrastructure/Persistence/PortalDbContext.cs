using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Audit;
using Portal.Domain.Clusters;
using Portal.Domain.Environments;
using Portal.Domain.Operations;
using Portal.Domain.Quotas;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Identity;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Persistence;

public sealed class PortalDbContext(DbContextOptions<PortalDbContext> options, TenantScope tenantScope)
    : IdentityDbContext<PortalUser, IdentityRole<Guid>, Guid>(options),
        IDataProtectionKeyContext
{
    public DbSet<Tenant> Tenants => Set<Tenant>();
    public DbSet<TenantMembership> Memberships => Set<TenantMembership>();
    public DbSet<Invitation> Invitations => Set<Invitation>();
    public DbSet<ServiceAccount> ServiceAccounts => Set<ServiceAccount>();
    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();
    public DbSet<OidcSigningKey> OidcSigningKeys => Set<OidcSigningKey>();
    public DbSet<Cluster> Clusters => Set<Cluster>();
    public DbSet<ClusterHost> Hosts => Set<ClusterHost>();
    public DbSet<NamespaceLoad> NamespaceLoads => Set<NamespaceLoad>();
    public DbSet<ResourcePool> ResourcePools => Set<ResourcePool>();
    public DbSet<TenantQuota> TenantQuotas => Set<TenantQuota>();
    public DbSet<TenantEnvironment> Environments => Set<TenantEnvironment>();
    public DbSet<Operation> Operations => Set<Operation>();
    public DbSet<Domain.Applications.Application> Applications => Set<Domain.Applications.Application>();
    public DbSet<Domain.Applications.Revision> Revisions => Set<Domain.Applications.Revision>();
    public DbSet<Domain.Applications.AppDeployment> AppDeployments => Set<Domain.Applications.AppDeployment>();
    public DbSet<WorkloadPod> WorkloadPods => Set<WorkloadPod>();
    public DbSet<Domain.Applications.IngressHostClaim> IngressHostClaims => Set<Domain.Applications.IngressHostClaim>();
    public DbSet<Domain.Applications.IngressRouteClaim> IngressRouteClaims =>
        Set<Domain.Applications.IngressRouteClaim>();
    public DbSet<Domain.Middleware.MiddlewareTemplate> MiddlewareTemplates =>
        Set<Domain.Middleware.MiddlewareTemplate>();
    public DbSet<Domain.Middleware.MiddlewareInstance> MiddlewareInstances =>
        Set<Domain.Middleware.MiddlewareInstance>();
    public DbSet<Domain.Middleware.MiddlewareBinding> MiddlewareBindings => Set<Domain.Middleware.MiddlewareBinding>();
    public DbSet<Domain.Monitoring.NotificationChannel> NotificationChannels =>
        Set<Domain.Monitoring.NotificationChannel>();
    public DbSet<Domain.Monitoring.MetricSubject> MetricSubjects => Set<Domain.Monitoring.MetricSubject>();
    public DbSet<Domain.Monitoring.RawSample> MetricSamples => Set<Domain.Monitoring.RawSample>();
    public DbSet<Domain.Monitoring.RollupSample> MetricRollups => Set<Domain.Monitoring.RollupSample>();
    public DbSet<Domain.Monitoring.AlertRule> AlertRules => Set<Domain.Monitoring.AlertRule>();
    public DbSet<Domain.Monitoring.Alert> Alerts => Set<Domain.Monitoring.Alert>();
    public DbSet<Domain.Monitoring.AlertDelivery> AlertDeliveries => Set<Domain.Monitoring.AlertDelivery>();
    public DbSet<Domain.Builds.AppSource> AppSources => Set<Domain.Builds.AppSource>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<Domain.Builds.Build> Builds => Set<Domain.Builds.Build>();
    public DbSet<Domain.Builds.BuildLogChunk> BuildLogChunks => Set<Domain.Builds.BuildLogChunk>();
    public DbSet<Domain.Builds.ImageRetention> ImageRetentions => Set<Domain.Builds.ImageRetention>();
    public DbSet<Domain.Pipelines.Pipeline> Pipelines => Set<Domain.Pipelines.Pipeline>();
    public DbSet<Domain.Pipelines.PipelineRun> PipelineRuns => Set<Domain.Pipelines.PipelineRun>();
    public DbSet<Domain.Pipelines.PipelineRunLogLine> PipelineRunLogLines => Set<Domain.Pipelines.PipelineRunLogLine>();
    public DbSet<Domain.Pipelines.PipelineRunChild> PipelineRunChildren => Set<Domain.Pipelines.PipelineRunChild>();
    public DbSet<Domain.Pipelines.RunQuota> RunQuotas => Set<Domain.Pipelines.RunQuota>();
    public DbSet<Domain.Pipelines.WebhookDelivery> WebhookDeliveries => Set<Domain.Pipelines.WebhookDelivery>();
    public DbSet<Domain.Clouds.CloudAccount> CloudAccounts => Set<Domain.Clouds.CloudAccount>();
    public DbSet<Domain.Clouds.HostTemplate> HostTemplates => Set<Domain.Clouds.HostTemplate>();
    public DbSet<Domain.Clouds.CloudHost> CloudHosts => Set<Domain.Clouds.CloudHost>();
    public DbSet<Domain.Clouds.PinnedHostKey> PinnedHostKeys => Set<Domain.Clouds.PinnedHostKey>();

    /// <summary>Read by the query filters; EF evaluates it per query, so it follows the request's scope.</summary>
    private Guid CurrentTenantId => tenantScope.TenantId;

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict();
        builder.ApplyConfigurationsFromAssembly(typeof(PortalDbContext).Assembly);

        builder.Entity<TenantMembership>().HasQueryFilter(m => m.TenantId == CurrentTenantId);
        builder.Entity<Invitation>().HasQueryFilter(i => i.TenantId == CurrentTenantId);
        builder.Entity<ServiceAccount>().HasQueryFilter(s => s.TenantId == CurrentTenantId);
        builder.Entity<TenantQuota>().HasQueryFilter(q => q.TenantId == CurrentTenantId);
        builder.Entity<TenantEnvironment>().HasQueryFilter(e => e.TenantId == CurrentTenantId);
        builder.Entity<Operation>().HasQueryFilter(o => o.TenantId == CurrentTenantId);
        builder.Entity<Domain.Applications.Application>().HasQueryFilter(a => a.TenantId == CurrentTenantId);
        builder.Entity<Domain.Applications.Revision>().HasQueryFilter(r => r.TenantId == CurrentTenantId);
        builder.Entity<Domain.Applications.AppDeployment>().HasQueryFilter(d => d.TenantId == CurrentTenantId);
        builder.Entity<Domain.Applications.IngressHostClaim>().HasQueryFilter(c => c.TenantId == CurrentTenantId);
        builder.Entity<Domain.Applications.IngressRouteClaim>().HasQueryFilter(r => r.TenantId == CurrentTenantId);
        builder.Entity<Domain.Middleware.MiddlewareInstance>().HasQueryFilter(i => i.TenantId == CurrentTenantId);
        builder.Entity<Domain.Middleware.MiddlewareBinding>().HasQueryFilter(b => b.TenantId == CurrentTenantId);
        builder.Entity<Domain.Builds.Build>().HasQueryFilter(b => b.TenantId == CurrentTenantId);
        builder.Entity<Domain.Builds.BuildLogChunk>().HasQueryFilter(c => c.TenantId == CurrentTenantId);
        builder.Entity<Domain.Builds.AppSource>().HasQueryFilter(s => s.TenantId == CurrentTenantId);
        builder.Entity<Domain.Builds.ImageRetention>().HasQueryFilter(r => r.TenantId == CurrentTenantId);
        builder.Entity<Domain.Pipelines.Pipeline>().HasQueryFilter(p => p.TenantId == CurrentTenantId);
        builder.Entity<Domain.Pipelines.PipelineRun>().HasQueryFilter(r => r.TenantId == CurrentTenantId);
        builder.Entity<Domain.Pipelines.PipelineRunLogLine>().HasQueryFilter(l => l.TenantId == CurrentTenantId);
        builder.Entity<Domain.Pipelines.PipelineRunChild>().HasQueryFilter(c => c.TenantId == CurrentTenantId);
        builder.Entity<Domain.Pipelines.RunQuota>().HasQueryFilter(q => q.TenantId == CurrentTenantId);
        builder.Entity<Domain.Pipelines.WebhookDelivery>().HasQueryFilter(d => d.TenantId == CurrentTenantId);
    }
}
