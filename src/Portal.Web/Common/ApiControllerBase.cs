using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Portal.Web.Identity;

namespace Portal.Web.Common;

/// <summary>
/// The REST API under <c>/api/v1</c>: bearer tokens from the portal's OpenID Connect server, JSON in and
/// out, problem details for errors. Cookies do not authenticate it, so it needs no anti-forgery token.
/// </summary>
[ApiController]
[Authorize(AuthenticationSchemes = IdentitySetup.Bearer)]
[IgnoreAntiforgeryToken]
public abstract class ApiControllerBase : ControllerBase;
