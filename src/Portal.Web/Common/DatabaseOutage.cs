using System.Net;
using Microsoft.AspNetCore.SignalR;
using Portal.Infrastructure.Persistence;

namespace Portal.Web.Common;

/// <summary>
/// While the database is down or restarting, a request that needs it is answered 503 with <c>Retry-After</c>: problem
/// details for the API and scripts, a short page for browsers (which reloads itself after a GET), and never the
/// exception. Everything below it in the pipeline is covered: authentication, pages, the API, hub negotiation.
/// </summary>
public static class DatabaseOutageAnswers
{
    public const string ProblemType = "/problems/database-unavailable";
    public const string Title = "The database is unavailable";

    /// <summary>A restart of the server takes seconds: this is when a client may try again.</summary>
    public const int RetryAfterSeconds = 5;

    public const string Detail =
        "The portal's database is not answering at the moment (it may be restarting), so this request could not be "
        + "completed. Try again in a few seconds.";

    public static IApplicationBuilder UseDatabaseOutageAnswers(this IApplicationBuilder app) =>
        app.Use(
            async (http, next) =>
            {
                try
                {
                    await next(http);
                }
                catch (Exception e) when (DatabaseUnavailable.Is(e) && !http.Response.HasStarted)
                {
                    http.RequestServices.GetRequiredService<DatabaseOutageLog>().Answered(e);
                    await AnswerAsync(http);
                }
            }
        );

    private static async Task AnswerAsync(HttpContext http)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.ContentLength = null;
        response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        if (WantsProblemDetails(http.Request))
        {
            await ApiProblems.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, ProblemType, Title, Detail);
            return;
        }
        response.ContentType = "text/html; charset=utf-8";
        await response.WriteAsync(Page(HttpMethods.IsGet(http.Request.Method)), http.RequestAborted);
    }

    private static bool WantsProblemDetails(HttpRequest request)
    {
        if (
            ApiProblems.IsApiRequest(request.HttpContext)
            || request.Path.StartsWithSegments("/connect")
            || request.Path.StartsWithSegments("/hubs")
        )
            return true;
        var accept = request.Headers.Accept.ToString();
        return accept.Contains("json", StringComparison.OrdinalIgnoreCase)
            && !accept.Contains("text/html", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A page of its own, not the layout: the layout's navigation reads the database. A GET reloads itself; a form
    /// sent is not sent again behind the user's back.
    /// </summary>
    private static string Page(bool reload) =>
        $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            {(reload ? $"<meta http-equiv=\"refresh\" content=\"{RetryAfterSeconds}\">" : "")}
            <title>{WebUtility.HtmlEncode(Title)}</title>
            <link rel="stylesheet" href="/lib/bootstrap/css/bootstrap.min.css">
            </head>
            <body>
            <main class="container py-5 text-center">
            <p class="display-5 text-body-secondary">503</p>
            <h1 class="h3">Back in a moment</h1>
            <p class="lead" id="error-message">{WebUtility.HtmlEncode(Detail)}</p>
            <p>{(reload ? "This page tries again by itself." : "Send the form again in a few seconds.")}</p>
            </main>
            </body>
            </html>
            """;
}

/// <summary>
/// Notes requests and hub calls answered "unavailable": one warning when an outage begins and a reminder a minute,
/// instead of an error with a stack per request.
/// </summary>
public sealed class DatabaseOutageLog(TimeProvider clock, ILogger<DatabaseOutageLog> logger)
{
    /// <summary>An answer this long after the last one belongs to another outage.</summary>
    private static readonly TimeSpan OverAfter = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RemindEvery = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private DateTime _since;
    private DateTime _last = DateTime.MinValue;
    private DateTime _reminded;
    private int _answered;

    public void Answered(Exception failure)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        bool began,
            remind;
        int answered;
        DateTime since;
        lock (_gate)
        {
            began = now - _last > OverAfter;
            if (began)
                (_since, _reminded, _answered) = (now, now, 0);
            remind = !began && now - _reminded > RemindEvery;
            if (remind)
                _reminded = now;
            _answered++;
            _last = now;
            (answered, since) = (_answered, _since);
        }
        if (began)
            logger.LogWarning(
                "The database is unavailable ({Reason}); requests that need it are answered 503 with Retry-After "
                    + "until it answers again",
                failure.GetBaseException().Message
            );
        else if (remind)
            logger.LogWarning(
                "The database is still unavailable ({Reason}): {Answered} requests answered 503 since {Since:u}",
                failure.GetBaseException().Message,
                answered,
                since
            );
    }
}

/// <summary>
/// A hub call that fails because the database is unavailable answers the caller with a sentence to show, and the
/// connection stays open for the next call.
/// </summary>
internal sealed class HubDatabaseOutage(DatabaseOutageLog log) : IHubFilter
{
    public async ValueTask<object?> InvokeMethodAsync(
        HubInvocationContext invocation,
        Func<HubInvocationContext, ValueTask<object?>> next
    )
    {
        try
        {
            return await next(invocation);
        }
        catch (Exception e) when (DatabaseUnavailable.Is(e))
        {
            log.Answered(e);
            throw new HubException(DatabaseOutageAnswers.Detail);
        }
    }
}
