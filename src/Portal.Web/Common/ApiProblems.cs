using Microsoft.AspNetCore.Mvc;
using Portal.Domain.Common;

namespace Portal.Web.Common;

/// <summary>RFC 7807 problem details with a stable <c>type</c> per kind of error.</summary>
public static class ApiProblems
{
    public const string Validation = "/problems/validation";
    public const string NotFound = "/problems/not-found";
    public const string Conflict = "/problems/conflict";
    public const string Forbidden = "/problems/forbidden";
    public const string Unavailable = "/problems/unavailable";
    public const string TooManyRequests = "/problems/too-many-requests";

    public static bool IsApiRequest(HttpContext http) => http.Request.Path.StartsWithSegments("/api");

    public static IActionResult ToActionResult(this ControllerBase controller, Problem problem)
    {
        var (status, type, title) = Classify(problem);
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
        details.Type = type;
        details.Title = title;
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

    private static (int Status, string Type, string Title) Classify(Problem problem) =>
        problem.Code switch
        {
            "not-found" => (StatusCodes.Status404NotFound, NotFound, "Not found"),
            "conflict" => (StatusCodes.Status409Conflict, Conflict, "Conflict"),
            "forbidden" => (StatusCodes.Status403Forbidden, Forbidden, "Forbidden"),
            "unavailable" => (StatusCodes.Status503ServiceUnavailable, Unavailable, "A cluster could not be asked"),
            "too-many-requests" => (StatusCodes.Status429TooManyRequests, TooManyRequests, "Too many requests"),
            _ => (StatusCodes.Status400BadRequest, Validation, "The request is invalid"),
        };

    private static string Camel(string name) => name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];
}
