using System.Text;
using Portal.Domain.Builds;
using Portal.Domain.Pipelines;
using Portal.Infrastructure.Pipelines.Webhooks;

namespace Portal.Infrastructure.Tests.Pipelines.Webhooks;

/// <summary>
/// Deliveries as GitHub, GitLab and Gitea send them (the payloads under <c>Payloads/</c> have the hosts' own shapes):
/// which host sent one, whether it carries the secret, and the push it reports.
/// </summary>
public sealed class WebhookHostTests
{
    private const string Secret = "It's a Secret to Everybody";

    private static byte[] Payload(string name) =>
        File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Pipelines", "Webhooks", "Payloads", name));

    private static WebhookHeaders Headers(params (string Name, string Value)[] headers) =>
        new(headers.Select(h => KeyValuePair.Create(h.Name, h.Value)));

    [Fact]
    public void GitHubs_published_example_signature_is_computed_and_accepted()
    {
        var body = Encoding.UTF8.GetBytes("Hello, World!");
        const string signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

        Assert.Equal(signature, "sha256=" + WebhookSignatures.HexHmac(Secret, body));
        Assert.True(WebhookHost.GitHub.Instance.IsAuthentic(Headers(("X-Hub-Signature-256", signature)), body, Secret));
        Assert.True(
            WebhookHost.GitHub.Instance.IsAuthentic(
                Headers(
                    (
                        "x-hub-signature-256",
                        signature.ToUpperInvariant().Replace("SHA256=", "sha256=", StringComparison.Ordinal)
                    )
                ),
                body,
                Secret
            )
        );
    }

    [Theory]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e18")]
    [InlineData("757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("sha256=757107ea0eb2509fc211221cce984b8a")]
    [InlineData("sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")]
    [InlineData("")]
    public void A_GitHub_signature_that_is_not_the_bodys_is_refused(string signature)
    {
        var body = Encoding.UTF8.GetBytes("Hello, World!");

        Assert.False(
            WebhookHost.GitHub.Instance.IsAuthentic(Headers(("X-Hub-Signature-256", signature)), body, Secret)
        );
    }

    [Fact]
    public void A_GitHub_delivery_without_a_signature_or_with_another_secret_or_body_is_refused()
    {
        var body = Encoding.UTF8.GetBytes("Hello, World!");
        var signature = "sha256=" + WebhookSignatures.HexHmac(Secret, body);

        Assert.False(WebhookHost.GitHub.Instance.IsAuthentic(Headers(), body, Secret));
        Assert.False(
            WebhookHost.GitHub.Instance.IsAuthentic(Headers(("X-Hub-Signature-256", signature)), body, "another")
        );
        Assert.False(
            WebhookHost.GitHub.Instance.IsAuthentic(
                Headers(("X-Hub-Signature-256", signature)),
                Encoding.UTF8.GetBytes("Hello, World?"),
                Secret
            )
        );
    }

    [Fact]
    public void A_GitLab_delivery_carries_the_secret_itself_as_its_token()
    {
        Assert.True(WebhookHost.GitLab.Instance.IsAuthentic(Headers(("X-Gitlab-Token", Secret)), [], Secret));
        Assert.False(WebhookHost.GitLab.Instance.IsAuthentic(Headers(("X-Gitlab-Token", Secret + " ")), [], Secret));
        Assert.False(WebhookHost.GitLab.Instance.IsAuthentic(Headers(("X-Gitlab-Token", "It's")), [], Secret));
        Assert.False(WebhookHost.GitLab.Instance.IsAuthentic(Headers(), [], Secret));
    }

    [Fact]
    public void A_Gitea_or_Gogs_signature_is_the_bare_hex_hmac_of_the_body()
    {
        var body = Payload("gitea-push.json");
        var hex = WebhookSignatures.HexHmac(Secret, body);

        Assert.True(WebhookHost.Gitea.Instance.IsAuthentic(Headers(("X-Gitea-Signature", hex)), body, Secret));
        Assert.True(WebhookHost.Gitea.Instance.IsAuthentic(Headers(("X-Gogs-Signature", hex)), body, Secret));
        Assert.False(
            WebhookHost.Gitea.Instance.IsAuthentic(Headers(("X-Gitea-Signature", "sha256=" + hex)), body, Secret)
        );
        Assert.False(WebhookHost.Gitea.Instance.IsAuthentic(Headers(("X-Gitea-Signature", hex)), body, Secret + "!"));
    }

    [Fact]
    public void The_host_is_recognised_by_its_event_header_and_Gitea_before_the_GitHub_headers_it_also_sends()
    {
        Assert.Same(WebhookHost.GitHub.Instance, WebhookHost.Recognize(Headers(("X-GitHub-Event", "push"))));
        Assert.Same(WebhookHost.GitLab.Instance, WebhookHost.Recognize(Headers(("X-Gitlab-Event", "Push Hook"))));
        Assert.Same(
            WebhookHost.Gitea.Instance,
            WebhookHost.Recognize(
                Headers(("X-GitHub-Event", "push"), ("X-Gogs-Event", "push"), ("X-Gitea-Event", "push"))
            )
        );
        Assert.Same(WebhookHost.Gitea.Instance, WebhookHost.Recognize(Headers(("X-Gogs-Event", "push"))));
        Assert.Null(WebhookHost.Recognize(Headers(("Content-Type", "application/json"))));
    }

    [Fact]
    public void Each_host_names_its_delivery_in_its_own_header()
    {
        Assert.Equal(
            "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            WebhookHost.GitHub.Instance.DeliveryId(
                Headers(("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"))
            )
        );
        Assert.Equal(
            "event-uuid",
            WebhookHost.GitLab.Instance.DeliveryId(
                Headers(("X-Gitlab-Webhook-UUID", "webhook-uuid"), ("X-Gitlab-Event-UUID", "event-uuid"))
            )
        );
        Assert.Equal(
            "webhook-uuid",
            WebhookHost.GitLab.Instance.DeliveryId(Headers(("X-Gitlab-Webhook-UUID", "webhook-uuid")))
        );
        Assert.Equal("gogs-id", WebhookHost.Gitea.Instance.DeliveryId(Headers(("X-Gogs-Delivery", "gogs-id"))));
    }

    [Theory]
    [InlineData(WebhookProvider.GitHub, "push", WebhookEventKind.Push)]
    [InlineData(WebhookProvider.GitHub, "ping", WebhookEventKind.Ping)]
    [InlineData(WebhookProvider.GitHub, "issues", WebhookEventKind.Other)]
    [InlineData(WebhookProvider.GitHub, "create", WebhookEventKind.Other)]
    [InlineData(WebhookProvider.GitLab, "Push Hook", WebhookEventKind.Push)]
    [InlineData(WebhookProvider.GitLab, "Tag Push Hook", WebhookEventKind.Push)]
    [InlineData(WebhookProvider.GitLab, "Merge Request Hook", WebhookEventKind.Other)]
    [InlineData(WebhookProvider.Gitea, "push", WebhookEventKind.Push)]
    [InlineData(WebhookProvider.Gitea, "delete", WebhookEventKind.Other)]
    public void Only_pushes_start_runs_and_GitHubs_ping_is_answered(
        WebhookProvider provider,
        string @event,
        WebhookEventKind kind
    )
    {
        WebhookHost host = provider switch
        {
            WebhookProvider.GitHub => WebhookHost.GitHub.Instance,
            WebhookProvider.GitLab => WebhookHost.GitLab.Instance,
            _ => WebhookHost.Gitea.Instance,
        };

        Assert.Equal(kind, host.Kind(@event));
    }

    [Fact]
    public void A_GitHub_push_names_the_branch_its_new_commit_and_the_pusher()
    {
        var push = WebhookHost.GitHub.Instance.ReadPush(Payload("github-push.json")).Value;

        Assert.Equal(
            new PushDelivery(
                "refs/heads/main",
                GitRefKind.Branch,
                "main",
                "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
                "octocat",
                false
            ),
            push
        );
    }

    [Fact]
    public void A_GitHub_tag_push_names_the_tag()
    {
        var push = WebhookHost.GitHub.Instance.ReadPush(Payload("github-tag-push.json")).Value;

        Assert.Equal((GitRefKind.Tag, "v1.2.0"), (push.RefKind!.Value, push.Name));
        Assert.Equal("0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", push.Sha);
        Assert.False(push.Deleted);
    }

    [Fact]
    public void A_deleted_branch_is_reported_deleted_by_GitHub_and_GitLab()
    {
        var github = WebhookHost.GitHub.Instance.ReadPush(Payload("github-branch-deleted.json")).Value;
        var gitlab = WebhookHost.GitLab.Instance.ReadPush(Payload("gitlab-branch-deleted.json")).Value;

        Assert.True(github.Deleted);
        Assert.Null(github.Sha);
        Assert.Equal("feature/old", github.Name);
        Assert.True(gitlab.Deleted);
        Assert.Null(gitlab.Sha);
    }

    [Fact]
    public void A_GitLab_push_and_tag_push_name_the_checked_out_commit_and_the_users_username()
    {
        var push = WebhookHost.GitLab.Instance.ReadPush(Payload("gitlab-push.json")).Value;
        var tag = WebhookHost.GitLab.Instance.ReadPush(Payload("gitlab-tag-push.json")).Value;

        Assert.Equal(
            (GitRefKind.Branch, "main", "da1560886d4f094c3e6c9ef40349f7d38b5d27d7", "jsmith"),
            (push.RefKind!.Value, push.Name, push.Sha, push.By)
        );
        Assert.Equal(
            (GitRefKind.Tag, "v1.0.0", "82b3d5ae55f7080f1e6022629cdb57bfae7cccc7"),
            (tag.RefKind!.Value, tag.Name, tag.Sha)
        );
    }

    [Fact]
    public void A_Gitea_push_names_the_branch_its_commit_and_the_pushers_login()
    {
        var push = WebhookHost.Gitea.Instance.ReadPush(Payload("gitea-push.json")).Value;

        Assert.Equal(
            (GitRefKind.Branch, "develop", "bffeb74224043ba2feb48d137756c8a9331c449a", "gitea"),
            (push.RefKind!.Value, push.Name, push.Sha, push.By)
        );
    }

    [Theory]
    [InlineData("{\"ref\": \"refs/heads/main\"")]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("{\"after\": \"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c\"}")]
    [InlineData("{\"ref\": 42}")]
    [InlineData("{\"ref\": \"refs/heads/main\", \"after\": \"HEAD; rm -rf /\"}")]
    [InlineData("")]
    public void A_payload_that_is_no_push_is_refused_with_a_reason(string body)
    {
        var push = WebhookHost.GitHub.Instance.ReadPush(Encoding.UTF8.GetBytes(body));

        Assert.False(push.Succeeded);
        Assert.NotEmpty(push.Problem!.Message);
    }

    [Fact]
    public void A_ref_that_is_neither_a_branch_nor_a_tag_has_no_kind()
    {
        var push = WebhookHost.GitHub.Instance.ReadPush(
            Encoding.UTF8.GetBytes(
                "{\"ref\": \"refs/notes/commits\", \"after\": \"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c\"}"
            )
        );

        Assert.Null(push.Value.RefKind);
    }
}
