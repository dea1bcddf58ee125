using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Portal.Web.Common;
using Portal.Web.Tenancy;

namespace Portal.Web.Shell;

public sealed record ErrorModel(int Status, string Title, string Message);

/// <summary>Error pages for the browser; the API gets problem details for the same statuses.</summary>
[AllowAnonymous]
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class ErrorController : Controller
{
    [Route(ShellRoutes.Error)]
    [IgnoreAntiforgeryToken]
    public async Task<IActionResult> Show([FromRoute] int status)
    {
        // From the route only: re-executed for a failed POST, the form's fields (or a form that cannot be read) would
        // bind first. And no status a response cannot carry, such as /error/0.
        if (status is < 400 or > 599)
            status = StatusCodes.Status404NotFound;
        var original = HttpContext.Features.Get<IStatusCodeReExecuteFeature>()?.OriginalPath
            ?? HttpContext.Features.Get<IExceptionHandlerPathFeature>()?.Path;
        var (title, message) = status switch
        {
            400 => ("Bad request", "The portal could not read this request. Go back to the page and send it again."),
            401 => ("Unauthorized", "Sign in, or send a bearer token from /connect/token."),
            403 => (
                "Forbidden",
                HttpContext.Items[ForbiddenResultHandler.ReasonKey] as string ?? "You do not have access to this."
            ),
            404 => ("Not found", "There is nothing at this address. It may have been deleted, or the link is wrong."),
            429 => ("Too many attempts", "Too many attempts in a short time. Wait a minute, then try again."),
            500 => (
                "Something went wrong",
                "The portal could not complete this request. It has been logged; try again."
            ),
            _ => ("Error", "The request could not be completed."),
        };
        if (original is not null && original.StartsWith("/api/", StringComparison.Ordinal))
        {
            await ApiProblems.WriteAsync(HttpContext, status, $"/problems/http-{status}", title, message, original);
            return new EmptyResult();
        }
        Response.StatusCode = status;
        return View("Error", new ErrorModel(status, title, message));
    }
}
