using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Tenancy;

namespace Portal.Web.Tests.Support;

/// <summary>
/// Who a test's use cases act as: what a request's caller and its route's tenant are to the portal's own.
/// </summary>
public static class Acting
{
    /// <summary>
    /// The scope's use cases act as <paramref name="actor"/>, and in <paramref name="tenant"/> when one is given.
    /// </summary>
    public static IServiceProvider ActingAs(this IServiceProvider services, Actor actor, Tenant? tenant = null)
    {
        services.GetRequiredService<CurrentActor>().ActAs(actor);
        if (tenant is not null)
            services.GetRequiredService<TenantScope>().Bind(tenant);
        return services;
    }
}
