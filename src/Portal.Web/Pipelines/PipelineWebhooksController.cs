using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Portal.Infrastructure.Pipelines.Webhooks;
using Portal.Web.Common;

namespace Portal.Web.Pipelines;

/// <summary>
/// The webhook of every pipeline: anonymous by design, since Git hosts sign rather than sign in. It is safe because a
/// delivery is believed only once its signature (GitHub, Gitea, Gogs) or token (GitLab) proves the pipeline's own
/// secret, which is random, sealed at rest and shown once; the pipeline's id alone starts nothing and reads nothing.
/// Answers: 202 run started or delivery ignored (a ref no trigger names), 200 for GitHub's ping; refused with a problem
/// and nothing started: 404 no such pipeline, 401 not signed with its secret (the same answer whatever is wrong with
/// the signature), 400 an event other than a push or a payload that is no push, 409 a delivery id received before,
/// 413 a body over 1 MiB (refused unread when Content-Length says so), 429 too many deliveries from one address.
/// </summary>
[AllowAnonymous]
[IgnoreAntiforgeryToken]
[ApiExplorerSettings(IgnoreApi = true)]
public sealed class PipelineWebhooksController(PipelineWebhooks webhooks) : ControllerBase
{
    private const string TooLarge = "The payload is larger than 1 MiB.";

    [HttpPost(PipelineRoutes.Webhook), EnableRateLimiting(PipelineWebhookSetup.RateLimit)]
    public async Task<IActionResult> Receive(Guid pipelineId, CancellationToken ct)
    {
        var address = HttpContext.Connection.RemoteIpAddress?.ToString();
        if (Request.ContentLength > PipelineWebhooks.MaxBodyBytes)
            return Answer(await webhooks.RefuseUnreadAsync(pipelineId, WebhookVerdict.TooLarge, TooLarge, address, ct));
        var body = await ReadAsync(ct);
        if (body is null)
            return Answer(await webhooks.RefuseUnreadAsync(pipelineId, WebhookVerdict.TooLarge, TooLarge, address, ct));
        var headers = new WebhookHeaders(Request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())));
        return Answer(await webhooks.ReceiveAsync(new WebhookRequest(pipelineId, headers, body, address), ct));
    }

    /// <summary>The body, or null once it grows past the limit: no more of it than that is ever held.</summary>
    private async Task<byte[]?> ReadAsync(CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > PipelineWebhooks.MaxBodyBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    private IActionResult Answer(WebhookAnswer answer) =>
        answer.Verdict switch
        {
            WebhookVerdict.Started => Accepted(
                new { outcome = answer.Message, run = new { number = answer.Run!.Number, id = answer.Run.Id } }
            ),
            WebhookVerdict.Ignored => Accepted(new { outcome = answer.Message }),
            WebhookVerdict.Pong => Ok(new { outcome = answer.Message }),
            WebhookVerdict.NotStarted => this.ToActionResult(answer.Problem!),
            _ => Refusal(answer),
        };

    private ObjectResult Refusal(WebhookAnswer answer)
    {
        var (status, type, title, detail) = answer.Verdict switch
        {
            WebhookVerdict.UnknownPipeline => (404, "/problems/not-found", "Not found", "No such pipeline."),
            // Whatever is wrong with the signature, the answer is the same: it tells a guesser nothing.
            WebhookVerdict.Unsigned => (
                401,
                "/problems/webhook-signature",
                "Not signed",
                "The delivery is not signed with the pipeline's webhook secret."
            ),
            WebhookVerdict.NotHandled => (400, "/problems/webhook-event", "Event not handled", answer.Message),
            WebhookVerdict.Replayed => (409, "/problems/conflict", "Conflict", answer.Message),
            WebhookVerdict.TooLarge => (413, "/problems/payload-too-large", "Payload too large", answer.Message),
            _ => (400, ApiProblems.Validation, ApiProblems.InvalidTitle, answer.Message),
        };
        return new ObjectResult(
            new ProblemDetails
            {
                Status = status,
                Type = type,
                Title = title,
                Detail = detail,
                Instance = Request.Path,
            }
        )
        {
            StatusCode = status,
            ContentTypes = { "application/problem+json" },
        };
    }
}
