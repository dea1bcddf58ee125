using System.Text.Json;
using Portal.Domain.Common;
using Portal.Domain.Pipelines;

namespace Portal.Infrastructure.Pipelines.Webhooks;

/// <summary>What a delivery's event header asks of a pipeline.</summary>
public enum WebhookEventKind
{
    /// <summary>A push of a branch or a tag.</summary>
    Push,

    /// <summary>GitHub's check that the hook reaches its receiver: answered, nothing started.</summary>
    Ping,

    /// <summary>Any other event (issues, merge requests…): refused, since a pipeline starts on pushes only.</summary>
    Other,
}

/// <summary>A request's headers, looked up by name whatever its case.</summary>
public sealed class WebhookHeaders(IEnumerable<KeyValuePair<string, string>> headers)
{
    private readonly Dictionary<string, string> _values = headers.ToDictionary(
        h => h.Key,
        h => h.Value,
        StringComparer.OrdinalIgnoreCase
    );

    public string? this[string name] => _values.TryGetValue(name, out var value) ? value : null;

    public string? First(params string[] names) =>
        names.Select(name => this[name]).FirstOrDefault(v => !string.IsNullOrEmpty(v));
}

/// <summary>
/// A Git host as its deliveries show it: the headers it names the event and the delivery with, how it signs the body
/// (or sends the secret), and where its push payload keeps the ref, the commit and the pusher.
/// </summary>
public abstract class WebhookHost
{
    public abstract WebhookProvider Provider { get; }

    /// <summary>The host's name as people know it, for the actor and the messages.</summary>
    public abstract string Name { get; }

    public abstract string Event(WebhookHeaders headers);

    public abstract string? DeliveryId(WebhookHeaders headers);

    public abstract WebhookEventKind Kind(string @event);

    /// <summary>
    /// Whether the delivery carries the pipeline's secret: its signature of the body, or the token itself.
    /// </summary>
    public abstract bool IsAuthentic(WebhookHeaders headers, ReadOnlySpan<byte> body, string secret);

    /// <summary>The push the payload reports, or the problem of a payload that reports none.</summary>
    public Result<PushDelivery> ReadPush(ReadOnlyMemory<byte> body)
    {
        var json = PushDelivery.Json(body);
        if (!json.Succeeded)
            return json.Problem!;
        using var document = json.Value;
        var root = document.RootElement;
        if (PushDelivery.Text(root, "ref") is not { Length: > 0 and <= 255 } gitRef)
            return Problem.Invalid("ref", "The payload names no ref that was pushed.");
        var push = Read(root, gitRef);
        if (push.Sha is { } sha && !PushDelivery.IsCommitId(sha))
            return Problem.Invalid("after", "The payload's new commit is not a commit id.");
        return push;
    }

    protected abstract PushDelivery Read(JsonElement root, string gitRef);

    /// <summary>
    /// The host that sent a delivery, by its headers; null when they are no host's. Gitea and Gogs are asked first:
    /// Gitea sends GitHub's headers too, but signs as Gitea.
    /// </summary>
    public static WebhookHost? Recognize(WebhookHeaders headers) =>
        headers.First(Gitea.EventHeaders) is not null ? Gitea.Instance
        : headers[GitLab.EventHeader] is { Length: > 0 } ? GitLab.Instance
        : headers[GitHub.EventHeader] is { Length: > 0 } ? GitHub.Instance
        : null;

    /// <summary>
    /// GitHub: <c>X-GitHub-Event</c>, <c>X-GitHub-Delivery</c>, <c>X-Hub-Signature-256: sha256=&lt;hex HMAC&gt;</c>.
    /// </summary>
    public sealed class GitHub : WebhookHost
    {
        public const string EventHeader = "X-GitHub-Event";
        public const string DeliveryHeader = "X-GitHub-Delivery";
        public const string SignatureHeader = "X-Hub-Signature-256";
        public const string SignaturePrefix = "sha256=";
        public static GitHub Instance { get; } = new();

        public override WebhookProvider Provider => WebhookProvider.GitHub;
        public override string Name => "GitHub";

        public override string Event(WebhookHeaders headers) => headers[EventHeader] ?? "";

        public override string? DeliveryId(WebhookHeaders headers) => headers[DeliveryHeader];

        public override WebhookEventKind Kind(string @event) =>
            @event switch
            {
                "push" => WebhookEventKind.Push,
                "ping" => WebhookEventKind.Ping,
                _ => WebhookEventKind.Other,
            };

        public override bool IsAuthentic(WebhookHeaders headers, ReadOnlySpan<byte> body, string secret) =>
            WebhookSignatures.IsHexHmac(headers[SignatureHeader], SignaturePrefix, secret, body);

        protected override PushDelivery Read(JsonElement root, string gitRef) =>
            PushDelivery.Of(
                gitRef,
                PushDelivery.Text(root, "after") ?? PushDelivery.Text(root, "head_commit", "id"),
                PushDelivery.Text(root, "pusher", "name") ?? PushDelivery.Text(root, "sender", "login"),
                PushDelivery.Flag(root, "deleted")
            );
    }

    /// <summary>
    /// GitLab: <c>X-Gitlab-Event: Push Hook</c> or <c>Tag Push Hook</c>, the secret itself in <c>X-Gitlab-Token</c>,
    /// the delivery in <c>X-Gitlab-Event-UUID</c> (or <c>X-Gitlab-Webhook-UUID</c>).
    /// </summary>
    public sealed class GitLab : WebhookHost
    {
        public const string EventHeader = "X-Gitlab-Event";
        public const string TokenHeader = "X-Gitlab-Token";
        public static readonly string[] DeliveryHeaders = ["X-Gitlab-Event-UUID", "X-Gitlab-Webhook-UUID"];
        public static GitLab Instance { get; } = new();

        public override WebhookProvider Provider => WebhookProvider.GitLab;
        public override string Name => "GitLab";

        public override string Event(WebhookHeaders headers) => headers[EventHeader] ?? "";

        public override string? DeliveryId(WebhookHeaders headers) => headers.First(DeliveryHeaders);

        public override WebhookEventKind Kind(string @event) =>
            @event is "Push Hook" or "Tag Push Hook" ? WebhookEventKind.Push : WebhookEventKind.Other;

        public override bool IsAuthentic(WebhookHeaders headers, ReadOnlySpan<byte> body, string secret) =>
            WebhookSignatures.IsToken(headers[TokenHeader], secret);

        protected override PushDelivery Read(JsonElement root, string gitRef) =>
            PushDelivery.Of(
                gitRef,
                PushDelivery.Text(root, "checkout_sha") is { Length: > 0 } checkout
                && PushDelivery.Text(root, "after") is not PushDelivery.NoCommit
                    ? checkout
                    : PushDelivery.Text(root, "after"),
                PushDelivery.Text(root, "user_username") ?? PushDelivery.Text(root, "user_name"),
                deleted: false
            );
    }

    /// <summary>
    /// Gitea and Gogs: <c>X-Gitea-Event</c> / <c>X-Gogs-Event: push</c>, <c>X-Gitea-Delivery</c> /
    /// <c>X-Gogs-Delivery</c>, and the hex HMAC-SHA256 of the body, without a prefix, in <c>X-Gitea-Signature</c> /
    /// <c>X-Gogs-Signature</c>.
    /// </summary>
    public sealed class Gitea : WebhookHost
    {
        public static readonly string[] EventHeaders = ["X-Gitea-Event", "X-Gogs-Event"];
        public static readonly string[] DeliveryHeaders = ["X-Gitea-Delivery", "X-Gogs-Delivery"];
        public static readonly string[] SignatureHeaders = ["X-Gitea-Signature", "X-Gogs-Signature"];
        public static Gitea Instance { get; } = new();

        public override WebhookProvider Provider => WebhookProvider.Gitea;
        public override string Name => "Gitea";

        public override string Event(WebhookHeaders headers) => headers.First(EventHeaders) ?? "";

        public override string? DeliveryId(WebhookHeaders headers) => headers.First(DeliveryHeaders);

        public override WebhookEventKind Kind(string @event) =>
            @event == "push" ? WebhookEventKind.Push : WebhookEventKind.Other;

        public override bool IsAuthentic(WebhookHeaders headers, ReadOnlySpan<byte> body, string secret) =>
            WebhookSignatures.IsHexHmac(headers.First(SignatureHeaders), "", secret, body);

        protected override PushDelivery Read(JsonElement root, string gitRef) =>
            PushDelivery.Of(
                gitRef,
                PushDelivery.Text(root, "after"),
                PushDelivery.Text(root, "pusher", "login")
                    ?? PushDelivery.Text(root, "pusher", "username")
                    ?? PushDelivery.Text(root, "sender", "login"),
                deleted: false
            );
    }
}
