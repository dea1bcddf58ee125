using System.Globalization;
using Portal.Infrastructure.Onboarding;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Administration;
using Portal.Web.Applications;
using Portal.Web.Clusters;
using Portal.Web.Environments;
using Portal.Web.Quotas;

namespace Portal.Web.Shell;

/// <summary>
/// One step of setting up the platform: done or not, what is there (or what the step is for), and where it is done.
/// <paramref name="Href"/> is null while an earlier step must be done first (there is no pool to grant in yet, no
/// tenant to create an environment in).
/// </summary>
public sealed record SetupStep(string Id, string Title, bool Done, string Detail, string Action, string? Href);

/// <summary>
/// The platform admin's first steps, cluster → pool → tenant → quota → environment → first application, in order.
/// </summary>
public sealed record SetupChecklist(IReadOnlyList<SetupStep> Steps)
{
    /// <summary>The first step not done yet: the one the home page offers a button for.</summary>
    public SetupStep? Next => Steps.FirstOrDefault(s => !s.Done);

    public bool Complete => Next is null;

    public int DoneCount => Steps.Count(s => s.Done);

    public static SetupChecklist Of(PlatformSetupView setup)
    {
        var grantPool = setup.Pools.First is { } pool ? QuotaRoutes.PoolUrl(pool) : null;
        var environmentTenant = setup.TenantsWithGrants.First;
        var appTenant = setup.TenantsWithEnvironments.First;
        return new SetupChecklist([
            new(
                "cluster",
                "Register a cluster",
                setup.Clusters.Count > 0,
                setup.Clusters.Count > 0
                    ? setup.Clusters.Count == 1
                        ? $"{setup.Clusters.First} is registered."
                        : $"{setup.Clusters.Count} clusters are registered."
                    : "The Kubernetes cluster the tenants' workloads run on, registered by its kubeconfig.",
                "Register a cluster",
                ClusterRoutes.ListUrl()
            ),
            new(
                "pool",
                "Create a resource pool",
                setup.Pools.Count > 0,
                setup.Pools.Count > 0
                    ? Named(setup.Pools, "pool", "pools", "is ready for grants", "are ready for grants")
                    : "A whole cluster, or its nodes that match a label selector, in a "
                        + "region: quota is granted in a pool.",
                "Create a pool",
                QuotaRoutes.PoolsUrl()
            ),
            new(
                "tenant",
                "Create a tenant",
                setup.Tenants.Count > 0,
                setup.Tenants.Count > 0
                    ? Named(setup.Tenants, "tenant", "tenants", "exists", "exist")
                    : "A team or customer, with its own members, environments and applications.",
                "Create a tenant",
                AdministrationRoutes.TenantsUrl()
            ),
            new(
                "quota",
                "Grant a tenant quota",
                setup.TenantsWithGrants.Count > 0,
                setup.TenantsWithGrants.Count > 0
                    ? Named(setup.TenantsWithGrants, "tenant", "tenants", "has quota", "have quota")
                    : "CPU, memory, storage and pods a tenant may use in a pool.",
                setup.Pools.First is { } first ? $"Grant quota in {first}" : "Grant quota",
                grantPool
            ),
            new(
                "environment",
                "Create an environment",
                setup.Environments > 0,
                setup.Environments > 0
                    ? $"{Count(setup.Environments, "environment", "environments")}, {setup.ReadyEnvironments} ready."
                    : "A namespace in a pool with a share of the tenant's quota: dev, staging, prod…",
                environmentTenant is null ? "Create an environment" : $"Create an environment in {environmentTenant}",
                environmentTenant is null ? null : EnvironmentRoutes.ListUrl(environmentTenant)
            ),
            new(
                "application",
                "Deploy a first application",
                setup.RunningApplications > 0,
                setup.RunningApplications > 0
                        ? $"{Count(setup.RunningApplications, "application", "applications")} running."
                    : setup.NotRunning is { } waiting
                        ? $"{waiting.Name} in {waiting.Tenant} is not running yet: deploy it to an environment."
                    : "A container image deployed to an environment, followed until it runs.",
                setup.NotRunning is { } app ? $"Deploy {app.Name}" : "Create an application",
                setup.NotRunning is { } deploy ? ApplicationRoutes.DetailUrl(deploy.Tenant, deploy.Name)
                    : appTenant is null ? null
                    : ApplicationRoutes.NewUrl(appTenant)
            ),
        ]);
    }

    private static string Named(SetupCount count, string one, string many, string verb, string verbs) =>
        count.Count == 1
            ? $"{char.ToUpperInvariant(one[0])}{one[1..]} {count.First} {verb}."
            : $"{Count(count.Count, one, many)} {verbs}.";

    private static string Count(int count, string one, string many) =>
        $"{count.ToString(CultureInfo.InvariantCulture)} {(count == 1 ? one : many)}";
}

/// <summary>A platform admin's home: the setup checklist (compact once complete) and the tenants to open.</summary>
public sealed record PlatformHomeModel(SetupChecklist Setup, IReadOnlyList<TenantLink> Tenants);
