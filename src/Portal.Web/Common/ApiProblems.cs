using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;

namespace Portal.Web.Common;

/// <summary>RFC 7807 problem details with a stable <c>type</c> per kind of error.</summary>
public static class ApiProblems
{
    public const string Validation = "/problems/validation";
    public const string Forbidden = "/problems/forbidden";
    public const string InvalidTitle = "The request is invalid";

    public static bool IsApiRequest(HttpContext http) => http.Request.Path.StartsWithSegments("/api");

    public static IActionResult ToActionResult(this ControllerBase controller, Problem problem)
    {
        var status = problem.Kind.HttpStatus();
        var fields = (problem.Causes.Count > 0 ? problem.Causes : [problem]).Where(p => p.Field is not null).ToList();
        var details =
            fields.Count == 0
                ? new ProblemDetails()
                : new ValidationProblemDetails(
                    fields
                        .GroupBy(p => Camel(p.Field!))
                        .ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray())
                );
        details.Status = status;
        details.Type = $"/problems/{problem.Code}";
        details.Title = TitleOf(problem.Kind);
        details.Detail = problem.Message;
        details.Instance = controller.HttpContext.Request.Path;
        return new ObjectResult(details) { StatusCode = status, ContentTypes = { "application/problem+json" } };
    }

    public static Task WriteAsync(
        HttpContext http,
        int status,
        string type,
        string title,
        string detail,
        string? instance = null
    )
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(
            new ProblemDetails
            {
                Status = status,
                Type = type,
                Title = title,
                Detail = detail,
                Instance = instance ?? http.Request.Path,
            },
            options: null,
            contentType: "application/problem+json"
        );
    }

    /// <summary>
    /// The HTTP status of each kind of refusal: the API answers with it, and so does a page that answers with the
    /// refusal itself.
    /// </summary>
    public static int HttpStatus(this ProblemKind kind) =>
        kind switch
        {
            ProblemKind.NotFound => StatusCodes.Status404NotFound,
            ProblemKind.Conflict => StatusCodes.Status409Conflict,
            ProblemKind.Forbidden => StatusCodes.Status403Forbidden,
            ProblemKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
            ProblemKind.TooMany => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status400BadRequest,
        };

    private static string TitleOf(ProblemKind kind) =>
        kind switch
        {
            ProblemKind.NotFound => "Not found",
            ProblemKind.Conflict => "Conflict",
            ProblemKind.Forbidden => "Forbidden",
            ProblemKind.Unavailable => "A cluster could not be asked",
            ProblemKind.TooMany => "Too many requests",
            _ => InvalidTitle,
        };

    private static string Camel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
