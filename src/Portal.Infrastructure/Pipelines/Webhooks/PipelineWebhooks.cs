using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Portal.Domain.Audit;
using Portal.Domain.Builds;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Persistence;
using Portal.Infrastructure.Pipelines.Runs;
using Portal.Infrastructure.Tenancy;

namespace Portal.Infrastructure.Pipelines.Webhooks;

/// <summary>A delivery to a pipeline's webhook: the raw body as it was signed, its headers, and who sent it.</summary>
public sealed record WebhookRequest(
    Guid PipelineId,
    WebhookHeaders Headers,
    ReadOnlyMemory<byte> Body,
    string? ClientAddress
);

/// <summary>What came of a delivery; from <see cref="WebhookVerdict.UnknownPipeline"/> on, a refusal.</summary>
public enum WebhookVerdict
{
    /// <summary>A run was started (or queued) for the push.</summary>
    Started,

    /// <summary>Accepted and recorded, but no run: a deleted ref, or a ref no trigger of the pipeline names.</summary>
    Ignored,

    /// <summary>GitHub's ping, answered.</summary>
    Pong,
    UnknownPipeline,

    /// <summary>No valid signature or token: whatever the headers claim, nothing of the body is believed.</summary>
    Unsigned,
    NotHandled,
    Malformed,
    Replayed,
    TooLarge,

    /// <summary>The run could not be started (<see cref="WebhookAnswer.Problem"/> says why).</summary>
    NotStarted,
}

/// <summary>A run a delivery started, as the answer names it.</summary>
public sealed record WebhookRun(string Tenant, string App, string Pipeline, int Number, Guid Id);

public sealed record WebhookAnswer(
    WebhookVerdict Verdict,
    string Message,
    WebhookRun? Run = null,
    Problem? Problem = null
)
{
    public bool Refused => Verdict >= WebhookVerdict.UnknownPipeline;
}

/// <summary>
/// Receives the deliveries of pipelines' webhooks. The pipeline is found by its id alone (the address is the same for
/// every tenant); nothing of the delivery is believed before its signature (GitHub, Gitea, Gogs) or token (GitLab) is
/// checked against the pipeline's own secret, so that knowing a pipeline's id gives nothing. A delivery id is accepted
/// once: the same delivery again is a replay. Every refusal is logged, and audited once the pipeline is known.
/// </summary>
public sealed class PipelineWebhooks(
    PortalDbContext db,
    TenantScope tenantScope,
    CurrentActor currentActor,
    WebhookSecrets secrets,
    PipelineRuns runs,
    AuditTrail audit,
    TimeProvider clock,
    ILogger<PipelineWebhooks> logger
)
{
    /// <summary>The largest body read: a push payload of GitHub stays far below, and a larger one is refused.</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    private const int MaxDeliveryIdLength = 200;

    public async Task<WebhookAnswer> ReceiveAsync(WebhookRequest request, CancellationToken ct)
    {
        var found = await FindAsync(request, ct);
        if (found.Answer is { } unknown)
            return unknown;
        var (pipeline, tenant) = (found.Pipeline!, found.Tenant!);
        var host = WebhookHost.Recognize(request.Headers);
        var deliveryId = host?.DeliveryId(request.Headers) ?? BodyDigest(request.Body.Span);
        currentActor.ActAs(
            new Actor(
                null,
                $"webhook ({host?.Name ?? "unknown host"}, delivery {Shorten(deliveryId)})",
                request.ClientAddress
            )
        );
        if (host is null)
            return await RefuseAsync(
                pipeline,
                tenant,
                WebhookVerdict.Unsigned,
                "The delivery carries no event header of GitHub, GitLab, Gitea or Gogs, so no signature to check."
            );
        if (!host.IsAuthentic(request.Headers, request.Body.Span, secrets.Open(pipeline.SealedWebhookSecret)))
            return await RefuseAsync(
                pipeline,
                tenant,
                WebhookVerdict.Unsigned,
                $"The delivery's {(host is WebhookHost.GitLab ? "token" : "signature")} is missing or wrong."
            );
        var @event = host.Event(request.Headers);
        switch (host.Kind(@event))
        {
            case WebhookEventKind.Ping:
                logger.LogInformation("Webhook of pipeline {Pipeline}: {Host} ping answered", pipeline.Id, host.Name);
                return new WebhookAnswer(WebhookVerdict.Pong, "pong: the webhook reaches the pipeline.");
            case WebhookEventKind.Other:
                return await RefuseAsync(
                    pipeline,
                    tenant,
                    WebhookVerdict.NotHandled,
                    $"Event '{Shorten(@event)}' is not handled: a pipeline starts on pushes of branches and tags."
                );
        }
        if (deliveryId.Length > MaxDeliveryIdLength)
            return await RefuseAsync(
                pipeline,
                tenant,
                WebhookVerdict.Malformed,
                $"The delivery id is longer than {MaxDeliveryIdLength} characters."
            );
        var push = host.ReadPush(request.Body);
        if (!push.Succeeded)
            return await RefuseAsync(pipeline, tenant, WebhookVerdict.Malformed, push.Problem!.Message);
        return await AcceptAsync(pipeline, tenant, host, @event, deliveryId, push.Value, ct);
    }

    /// <summary>Refuses a delivery before it is read (too large), audited when the pipeline is known.</summary>
    public async Task<WebhookAnswer> RefuseUnreadAsync(
        Guid pipelineId,
        WebhookVerdict verdict,
        string reason,
        string? clientAddress,
        CancellationToken ct
    )
    {
        var found = await FindAsync(new WebhookRequest(pipelineId, new WebhookHeaders([]), default, clientAddress), ct);
        if (found.Answer is { } unknown)
            return unknown;
        currentActor.ActAs(new Actor(null, "webhook (unread delivery)", clientAddress));
        return await RefuseAsync(found.Pipeline!, found.Tenant!, verdict, reason);
    }

    private async Task<(Pipeline? Pipeline, Domain.Tenancy.Tenant? Tenant, WebhookAnswer? Answer)> FindAsync(
        WebhookRequest request,
        CancellationToken ct
    )
    {
        var found = await db
            .Pipelines.IgnoreQueryFilters()
            .Where(p => p.Id == request.PipelineId)
            .Join(db.Tenants, p => p.TenantId, t => t.Id, (p, t) => new { Pipeline = p, Tenant = t })
            .FirstOrDefaultAsync(ct);
        if (found is null)
        {
            logger.LogWarning(
                "Webhook delivery refused: no pipeline {Pipeline} (from {Address})",
                request.PipelineId,
                request.ClientAddress
            );
            return (null, null, new WebhookAnswer(WebhookVerdict.UnknownPipeline, "No such pipeline."));
        }
        tenantScope.Bind(found.Tenant);
        return (found.Pipeline, found.Tenant, null);
    }

    private async Task<WebhookAnswer> AcceptAsync(
        Pipeline pipeline,
        Domain.Tenancy.Tenant tenant,
        WebhookHost host,
        string @event,
        string deliveryId,
        PushDelivery push,
        CancellationToken ct
    )
    {
        if (await db.WebhookDeliveries.AnyAsync(d => d.PipelineId == pipeline.Id && d.DeliveryId == deliveryId, ct))
            return await RefuseAsync(pipeline, tenant, WebhookVerdict.Replayed, Replayed(deliveryId));
        var delivery = new WebhookDelivery(
            tenant.Id,
            pipeline.Id,
            host.Provider,
            deliveryId,
            Shorten(@event, 100),
            push.Ref,
            push.Sha,
            clock.GetUtcNow().UtcDateTime
        );
        var trigger = Trigger(pipeline, push);
        delivery.Came(trigger.Ignored ?? "starting a run", null);
        db.WebhookDeliveries.Add(delivery);
        // Saved before the run is started: of two copies of one delivery arriving at once, the second is refused here.
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            return await RefuseAsync(pipeline, tenant, WebhookVerdict.Replayed, Replayed(deliveryId));
        }
        if (trigger.Ignored is { } ignored)
        {
            logger.LogInformation(
                "Webhook delivery {Delivery} of pipeline {Pipeline}: {Outcome}",
                deliveryId,
                pipeline.Id,
                ignored
            );
            return new WebhookAnswer(WebhookVerdict.Ignored, ignored);
        }
        var app = await db.Applications.Where(a => a.Id == pipeline.ApplicationId).Select(a => a.Name).FirstAsync(ct);
        Result<PipelineRun> started;
        try
        {
            started = await runs.StartAsync(
                new StartRun(
                    app,
                    pipeline.Name,
                    new RunTrigger(trigger.Kind, push.Name, push.Sha, currentActor.Actor.Name, deliveryId)
                ),
                ct
            );
        }
        catch
        {
            await ForgetAsync(delivery);
            throw;
        }
        if (!started.Succeeded)
        {
            await ForgetAsync(delivery);
            return await RefuseAsync(
                pipeline,
                tenant,
                WebhookVerdict.NotStarted,
                started.Problem!.Message,
                started.Problem
            );
        }
        var run = started.Value;
        if (db.Entry(delivery).State == EntityState.Detached)
            db.WebhookDeliveries.Attach(delivery);
        delivery.Came($"started run {run.Number}, pushed by {push.By}", run.Id);
        await db.SaveChangesAsync(ct);
        logger.LogInformation(
            "Webhook delivery {Delivery} of pipeline {Pipeline} started run {Run} of {Ref}, pushed by {Pusher}",
            deliveryId,
            pipeline.Id,
            run.Number,
            push.Ref,
            push.By
        );
        return new WebhookAnswer(
            WebhookVerdict.Started,
            $"started run {run.Number}",
            new WebhookRun(tenant.Slug, app, pipeline.Name, run.Number, run.Id)
        );
    }

    /// <summary>The kind of run a push starts, or why it starts none.</summary>
    private static (TriggerKind Kind, string? Ignored) Trigger(Pipeline pipeline, PushDelivery push)
    {
        if (push.RefKind is null)
            return (TriggerKind.Push, $"ignored: '{push.Ref}' is neither a branch nor a tag.");
        var what = push.RefKind == GitRefKind.Branch ? "branch" : "tag";
        if (push.Deleted)
            return (TriggerKind.Push, $"ignored: {what} '{push.Name}' was deleted.");
        var definition = PipelineYaml.Parse(pipeline.Yaml);
        if (!definition.Succeeded)
            return (
                TriggerKind.Push,
                $"ignored: the pipeline's definition does not read ({definition.Problem!.Message})"
            );
        var triggers = definition.Value.Triggers;
        return push.RefKind == GitRefKind.Branch
            ? (
                TriggerKind.Push,
                triggers.StartsOnBranch(push.Name)
                    ? null
                    : $"ignored: branch '{push.Name}' matches no " + "branch pattern of the pipeline."
            )
            : (
                TriggerKind.Tag,
                triggers.StartsOnTag(push.Name)
                    ? null
                    : $"ignored: tag '{push.Name}' matches no tag " + "pattern of the pipeline."
            );
    }

    private async Task<WebhookAnswer> RefuseAsync(
        Pipeline pipeline,
        Domain.Tenancy.Tenant tenant,
        WebhookVerdict verdict,
        string reason,
        Problem? problem = null
    )
    {
        var actor = currentActor.Actor;
        logger.LogWarning(
            "Webhook delivery to pipeline {Pipeline} of tenant {Tenant} refused ({Verdict}) from {Address}: {Reason}",
            pipeline.Id,
            tenant.Slug,
            verdict,
            actor.ClientAddress,
            reason
        );
        audit.RecordRefusal(
            actor,
            tenant,
            PipelineAuditActions.WebhookRefused,
            "pipeline",
            pipeline.Name,
            $"{verdict}: {actor.Name}",
            reason
        );
        await audit.SaveRefusalsAsync();
        return new WebhookAnswer(verdict, reason, Problem: problem);
    }

    /// <summary>A delivery that started no run is not kept: the host may deliver it again once that is fixed.</summary>
    private async Task ForgetAsync(WebhookDelivery delivery)
    {
        db.ChangeTracker.Clear();
        await db.WebhookDeliveries.Where(d => d.Id == delivery.Id).ExecuteDeleteAsync(CancellationToken.None);
    }

    private static string Replayed(string deliveryId) =>
        $"Delivery '{Shorten(deliveryId)}' was received before: a delivery is accepted once.";

    /// <summary>
    /// A delivery id for a host that sends none: the body's digest, the same when the body is sent again.
    /// </summary>
    private static string BodyDigest(ReadOnlySpan<byte> body) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));

    private static string Shorten(string text, int length = 80) =>
        text.Length <= length ? text : text[..(length - 1)] + "…";
}
