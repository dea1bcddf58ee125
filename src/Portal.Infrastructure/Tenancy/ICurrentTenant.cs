using Portal.Domain.Tenancy;

namespace Portal.Infrastructure.Tenancy;

/// <summary>
/// The tenant the current unit of work is in: on a request, the tenant of the route whose policy admitted the caller
/// (bound by <see cref="TenantAccessResolver"/>); in a job or a test, the tenant bound to its
/// <see cref="TenantScope"/>. Use cases read it instead of taking a tenant from their callers, so they cannot be handed
/// another one.
/// </summary>
public interface ICurrentTenant
{
    /// <summary>The tenant, or null where the unit of work is the platform's (platform pages, platform jobs).</summary>
    Tenant? Tenant { get; }

    /// <summary>
    /// The tenant of a use case that exists only inside a tenant; none bound is a mistake of the caller.
    /// </summary>
    Tenant Required =>
        Tenant ?? throw new InvalidOperationException("This use case works in a tenant, and none is bound.");
}
