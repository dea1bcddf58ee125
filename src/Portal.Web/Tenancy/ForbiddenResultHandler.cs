using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Portal.Domain.Audit;
using Portal.Domain.Identity;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Web.Common;
using Portal.Web.Identity;

namespace Portal.Web.Tenancy;

/// <summary>
/// Says why a request was forbidden: as problem details for the API, and on the error page for the
/// browser (the reason travels in the request's items to the re-executed error page).
/// </summary>
internal sealed class ForbiddenResultHandler : IAuthorizationMiddlewareResultHandler
{
    public const string ReasonKey = "portal:forbidden-reason";
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(
        RequestDelegate next,
        HttpContext context,
        AuthorizationPolicy policy,
        PolicyAuthorizationResult result
    )
    {
        if (result.Forbidden)
        {
            var reason = result.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message
                ?? "You do not have access to this.";
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method))
                await RecordDeniedChangeAsync(context, reason);
            if (ApiProblems.IsApiRequest(context))
            {
                await ApiProblems.WriteAsync(
                    context,
                    StatusCodes.Status403Forbidden,
                    ApiProblems.Forbidden,
                    "Forbidden",
                    reason
                );
                return;
            }
            context.Items[ReasonKey] = reason;
        }
        await _default.HandleAsync(next, context, policy, result);
    }

    /// <summary>A refused attempt to change something is part of the trail, in the tenant it aimed at.</summary>
    private static async Task RecordDeniedChangeAsync(HttpContext context, string reason)
    {
        var audit = context.RequestServices.GetRequiredService<AuditTrail>();
        var tenant = context.TryTenantAccess()?.Tenant;
        audit.Record(
            context.ToActor(),
            tenant,
            IdentityAuditActions.AccessDenied,
            "endpoint",
            $"{context.Request.Method} {context.Request.Path}",
            reason,
            AuditOutcome.Denied
        );
        await context.RequestServices.GetRequiredService<PortalDbContext>().SaveChangesAsync(context.RequestAborted);
    }
}
