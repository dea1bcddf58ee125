using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;
using Portal.Domain.Operations;
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
                $"/api/v1/tenants/{tenant ?? HttpContext.TenantAccess().Tenant.Slug}/operations",
                new { operation = operation.Value.Id }
            )
            : this.ToActionResult(operation.Problem!);
}
