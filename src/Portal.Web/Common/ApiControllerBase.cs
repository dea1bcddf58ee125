using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;
using Portal.Domain.Operations;
using Portal.Web.Environments;
using Portal.Web.Identity;
using Portal.Web.Tenancy;

namespace Portal.Web.Common;

/// <summary>
/// The REST API under <c>/api/v1</c>: bearer tokens from the portal's OpenID Connect server, JSON in and
/// out, problem details for errors. Cookies do not authenticate it, so it needs no anti-forgery token.
/// </summary>
[ApiController]
[Authorize(AuthenticationSchemes = IdentitySetup.Bearer)]
[IgnoreAntiforgeryToken]
public abstract class ApiControllerBase : ControllerBase
{
    /// <summary>
    /// 202 with the queued operation, found under the operations of <paramref name="tenant"/> (the caller's by
    /// default); or the refusal as problem details.
    /// </summary>
    protected IActionResult Accepted(Result<Operation> operation, string? tenant = null) =>
        operation.Succeeded
            ? Accepted(
                Url.Action(
                    nameof(EnvironmentsApiController.Operations),
                    "EnvironmentsApi",
                    new { tenant = tenant ?? HttpContext.TenantAccess().Tenant.Slug }
                ) ?? throw new InvalidOperationException("No route leads to the tenant's operations."),
                new { operation = operation.Value.Id }
            )
            : this.ToActionResult(operation.Problem!);

    /// <summary>
    /// 201 with the new resource; its Location is the path of <paramref name="action"/> of this controller, built by
    /// routing from the values given and the request's tenant, so that a renamed route is one edit.
    /// </summary>
    protected CreatedResult CreatedAt(string action, object routeValues, object? resource) =>
        Created(LocationOf(action, routeValues), resource);

    /// <summary>
    /// 202 with work queued on a resource (a build); its Location is the resource's path, made as
    /// <see cref="CreatedAt"/> makes it, of <paramref name="controller"/> when another controller serves it.
    /// </summary>
    protected AcceptedResult AcceptedAt(
        string action,
        object routeValues,
        object? resource,
        string? controller = null
    ) => Accepted(LocationOf(action, routeValues, controller), resource);

    private string LocationOf(string action, object routeValues, string? controller = null)
    {
        // Routing drops ambient values once the action differs, so the tenant of the request is carried over by hand.
        var values = new RouteValueDictionary(routeValues);
        if (RouteData.Values.TryGetValue("tenant", out var tenant))
            values.TryAdd("tenant", tenant);
        return Url.Action(action, controller, values)
            ?? throw new InvalidOperationException(
                $"No route leads to {GetType().Name}.{action} with {values.Count} values."
            );
    }
}
