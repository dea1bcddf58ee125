using Microsoft.AspNetCore.Authorization;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Tenancy;
using Portal.Web.Identity;

namespace Portal.Web.Tenancy;

/// <summary>
/// Decides tenant access from the route's <c>{tenant}</c> and the caller's membership, read fresh from the
/// database; the outcome is kept on the request for controllers and views.
/// </summary>
internal sealed class TenantAccessHandler(TenantAccessResolver resolver) : AuthorizationHandler<TenantAccessRequirement>
{
    protected override async Task HandleRequirementAsync(
        AuthorizationHandlerContext context,
        TenantAccessRequirement requirement
    )
    {
        if (context.Resource is not HttpContext http || context.User.Identity?.IsAuthenticated != true)
            return;
        var access = await http.ResolveTenantAccessAsync(resolver);
        if (access is null)
        {
            context.Fail(
                new AuthorizationFailureReason(
                    this,
                    "This tenant does not exist, or you are not a member of it (any more)."
                )
            );
            return;
        }
        if (!access.Role.Allows(requirement.Role))
        {
            context.Fail(
                new AuthorizationFailureReason(
                    this,
                    $"Your role in '{access.Tenant.Slug}' is {access.Role}; this needs {requirement.Role}."
                )
            );
            return;
        }
        if (requirement.Changes && access.Tenant.IsReadOnly)
        {
            context.Fail(
                new AuthorizationFailureReason(
                    this,
                    $"Tenant '{access.Tenant.Slug}' is {access.Tenant.ReadOnlyReason}: it can be read but not changed."
                )
            );
            return;
        }
        context.Succeed(requirement);
    }
}

public static class TenantAccessExtensions
{
    private const string Key = "portal:tenant-access";

    internal static async Task<TenantAccess?> ResolveTenantAccessAsync(
        this HttpContext http,
        TenantAccessResolver resolver
    )
    {
        if (http.Items.TryGetValue(Key, out var cached))
            return (TenantAccess?)cached;
        var slug = http.GetRouteValue("tenant") as string;
        var access = await resolver.ResolveAsync(slug, http.User.ToCaller(), http.RequestAborted);
        http.Items[Key] = access;
        return access;
    }

    /// <summary>The tenant the authorized request works in; present on every action behind a tenant policy.</summary>
    public static TenantAccess TenantAccess(this HttpContext http) =>
        http.Items.TryGetValue(Key, out var access) && access is TenantAccess found
            ? found
            : throw new InvalidOperationException("This endpoint is not behind a tenant policy.");

    public static TenantAccess? TryTenantAccess(this HttpContext http) =>
        http.Items.TryGetValue(Key, out var access) ? access as TenantAccess : null;
}
