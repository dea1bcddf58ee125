using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Portal.Domain.Pipelines;
using Portal.Web.Pipelines;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Pipelines;

/// <summary>
/// A portal whose webhook takes 5 deliveries a minute from one address, so that the limit is reached.
/// </summary>
public abstract class WebhookPortal : PortalFixture
{
    public const int PerMinute = 5;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>
        {
            [$"{PipelineWebhookOptions.Section}:DeliveriesPerMinute"] = PerMinute.ToString(),
        };
}

/// <summary>
/// <c>POST /hooks/pipelines/{id}</c> with deliveries built as the Git hosts build them. Every refusal is a problem
/// with a 4xx status, starts no run and records no delivery; each test sends from an address of its own, since the
/// endpoint's rate limit counts per address.
/// </summary>
public abstract class PipelineWebhookTests(WebhookPortal portal)
{
    private static int _peers;
    private PipelineArrange Arrange => new(portal.Factory);

    private static string Peer() => $"198.51.100.{Interlocked.Increment(ref _peers)}";

    private HttpClient Client() => portal.Factory.CreateClient();

    [SkippableFact]
    public async Task A_GitHub_push_delivered_as_GitHub_sends_it_starts_a_run_of_the_pushed_commit()
    {
        var pipeline = await Arrange.PipelineAsync();
        var delivery = Guid.NewGuid().ToString();

        var response = await Client()
            .SendAsync(
                PipelineArrange.GitHubDelivery(
                    pipeline.Id,
                    pipeline.Secret,
                    PipelineArrange.Payload("github-push.json"),
                    Peer(),
                    deliveryId: delivery
                )
            );

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, body.GetProperty("run").GetProperty("number").GetInt32());
        var run = Assert.Single(await Arrange.RunsAsync(pipeline.Id));
        Assert.Equal(TriggerKind.Push, run.Trigger.Kind);
        Assert.Equal("main", run.Trigger.Ref);
        Assert.Equal("0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", run.Trigger.Sha);
        Assert.Equal(delivery, run.Trigger.DeliveryId);
        Assert.Equal($"webhook (GitHub, delivery {delivery})", run.Trigger.By);
        var recorded = Assert.Single(await Arrange.DeliveriesAsync(pipeline.Id));
        Assert.Equal(
            (WebhookProvider.GitHub, "started run 1, pushed by octocat", run.Id),
            (recorded.Provider, recorded.Outcome, recorded.RunId)
        );
    }

    [SkippableFact]
    public async Task A_GitLab_tag_push_and_a_Gitea_push_each_start_a_run_when_their_trigger_names_the_ref()
    {
        var gitlab = await Arrange.PipelineAsync(
            PipelineArrange.BuildOnMain.Replace("tags: [v*]", "tags: [v1.*]", StringComparison.Ordinal)
        );
        var gitea = await Arrange.PipelineAsync(
            PipelineArrange.BuildOnMain.Replace("[main]", "[develop]", StringComparison.Ordinal)
        );

        var tag = await Client()
            .SendAsync(
                PipelineArrange.GitLabDelivery(
                    gitlab.Id,
                    gitlab.Secret,
                    PipelineArrange.Payload("gitlab-tag-push.json"),
                    Peer(),
                    "Tag Push Hook"
                )
            );
        var push = await Client()
            .SendAsync(
                PipelineArrange.GiteaDelivery(
                    gitea.Id,
                    gitea.Secret,
                    PipelineArrange.Payload("gitea-push.json"),
                    Peer()
                )
            );

        Assert.Equal(HttpStatusCode.Accepted, tag.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, push.StatusCode);
        var tagRun = Assert.Single(await Arrange.RunsAsync(gitlab.Id));
        Assert.Equal((TriggerKind.Tag, "v1.0.0"), (tagRun.Trigger.Kind, tagRun.Trigger.Ref));
        var pushRun = Assert.Single(await Arrange.RunsAsync(gitea.Id));
        Assert.Equal(
            ("develop", "bffeb74224043ba2feb48d137756c8a9331c449a"),
            (pushRun.Trigger.Ref, pushRun.Trigger.Sha)
        );
        Assert.Equal(WebhookProvider.Gitea, Assert.Single(await Arrange.DeliveriesAsync(gitea.Id)).Provider);
    }

    [SkippableFact]
    public async Task A_push_the_tenant_may_not_run_now_is_refused_and_not_kept_so_that_the_host_may_send_it_again()
    {
        var pipeline = await Arrange.PipelineAsync();
        await Arrange.SuspendAsync(pipeline.Tenant);

        var response = await Client()
            .SendAsync(
                PipelineArrange.GitHubDelivery(
                    pipeline.Id,
                    pipeline.Secret,
                    PipelineArrange.Payload("github-push.json"),
                    Peer()
                )
            );

        var problem = await AssertRefusedAsync(response, HttpStatusCode.Forbidden, "/problems/forbidden");
        Assert.Contains("suspended", problem.GetProperty("detail").GetString());
        await AssertNothingStartedAsync(pipeline);
        Assert.Equal(1, await Arrange.RefusalsAsync(pipeline));
    }

    [SkippableFact]
    public async Task A_push_of_a_branch_no_trigger_names_is_accepted_ignored_and_recorded()
    {
        var pipeline = await Arrange.PipelineAsync(
            PipelineArrange.BuildOnMain.Replace("[main]", "[release/*]", StringComparison.Ordinal)
        );

        var response = await Client()
            .SendAsync(
                PipelineArrange.GitHubDelivery(
                    pipeline.Id,
                    pipeline.Secret,
                    PipelineArrange.Payload("github-push.json"),
                    Peer()
                )
            );

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Contains("ignored: branch 'main'", await response.Content.ReadAsStringAsync());
        Assert.Empty(await Arrange.RunsAsync(pipeline.Id));
        Assert.StartsWith("ignored: branch 'main'", Assert.Single(await Arrange.DeliveriesAsync(pipeline.Id)).Outcome);
    }

    [SkippableFact]
    public async Task GitHubs_ping_is_answered_and_starts_nothing()
    {
        var pipeline = await Arrange.PipelineAsync();

        var response = await Client()
            .SendAsync(
                PipelineArrange.GitHubDelivery(
                    pipeline.Id,
                    pipeline.Secret,
                    PipelineArrange.Payload("github-ping.json"),
                    Peer(),
                    "ping"
                )
            );

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await AssertNothingStartedAsync(pipeline);
    }

    [SkippableFact]
    public async Task A_delivery_signed_with_another_secret_is_refused_401_audited_and_starts_nothing()
    {
        var pipeline = await Arrange.PipelineAsync();

        var response = await Client()
            .SendAsync(
                PipelineArrange.GitHubDelivery(
                    pipeline.Id,
                    "not-the-secret",
                    PipelineArrange.Payload("github-push.json"),
                    Peer()
                )
            );

        await AssertRefusedAsync(response, HttpStatusCode.Unauthorized, "/problems/webhook-signature");
        await AssertNothingStartedAsync(pipeline);
        Assert.Equal(1, await Arrange.RefusalsAsync(pipeline));
    }

    [SkippableFact]
    public async Task An_unsigned_delivery_and_one_whose_body_was_changed_after_signing_are_refused_401()
    {
        var pipeline = await Arrange.PipelineAsync();
        var unsigned = PipelineArrange.GitHubDelivery(
            pipeline.Id,
            pipeline.Secret,
            PipelineArrange.Payload("github-push.json"),
            Peer()
        );
        unsigned.Headers.Remove("X-Hub-Signature-256");
        var changed = PipelineArrange.GitHubDelivery(
            pipeline.Id,
            pipeline.Secret,
            PipelineArrange.Payload("github-push.json"),
            Peer()
        );
        changed.Content = new ByteArrayContent(
            PipelineArrange.Payload("github-push.json").Concat(Encoding.UTF8.GetBytes(" ")).ToArray()
        );
        var gitlab = PipelineArrange.GitLabDelivery(
            pipeline.Id,
            pipeline.Secret + "x",
            PipelineArrange.Payload("gitlab-push.json"),
            Peer()
        );
        var nobody = new HttpRequestMessage(HttpMethod.Post, PipelineRoutes.WebhookUrl(pipeline.Id))
        {
            Content = new ByteArrayContent(PipelineArrange.Payload("github-push.json")),
        };
        nobody.Headers.Add(TestPeerAddress.Header, Peer());

        foreach (var request in new[] { unsigned, changed, gitlab, nobody })
            await AssertRefusedAsync(await Client().SendAsync(request), HttpStatusCode.Unauthorized);

        await AssertNothingStartedAsync(pipeline);
        Assert.Equal(4, await Arrange.RefusalsAsync(pipeline));
    }

    [SkippableFact]
    public async Task An_event_other_than_a_push_is_refused_400_and_starts_nothing()
    {
        var pipeline = await Arrange.PipelineAsync();

        var response = await Client()
            .SendAsync(
                PipelineArrange.GitHubDelivery(
                    pipeline.Id,
                    pipeline.Secret,
                    PipelineArrange.Payload("github-push.json"),
                    Peer(),
                    "issues"
                )
            );

        var problem = await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "/problems/webhook-event");
        Assert.Contains("Event 'issues' is not handled", problem.GetProperty("detail").GetString());
        await AssertNothingStartedAsync(pipeline);
    }

    [SkippableFact]
    public async Task A_delivery_to_an_unknown_pipeline_is_refused_404()
    {
        var response = await Client()
            .SendAsync(
                PipelineArrange.GitHubDelivery(
                    Guid.NewGuid(),
                    "any",
                    PipelineArrange.Payload("github-push.json"),
                    Peer()
                )
            );
        var notAnId = new HttpRequestMessage(HttpMethod.Post, "/hooks/pipelines/not-an-id");
        notAnId.Headers.Add(TestPeerAddress.Header, Peer());

        await AssertRefusedAsync(response, HttpStatusCode.NotFound, "/problems/not-found");
        Assert.Equal(HttpStatusCode.NotFound, (await Client().SendAsync(notAnId)).StatusCode);
    }

    [SkippableTheory]
    [InlineData("{\"ref\": \"refs/heads/main\", \"after\": ")]
    [InlineData("[\"refs/heads/main\"]")]
    [InlineData("{\"after\": \"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c\"}")]
    [InlineData("{\"ref\": \"refs/heads/main\", \"after\": \"'; drop table runs; --\"}")]
    public async Task A_signed_payload_that_is_not_a_push_is_refused_400_and_starts_nothing(string json)
    {
        var pipeline = await Arrange.PipelineAsync();

        var response = await Client()
            .SendAsync(
                PipelineArrange.GitHubDelivery(pipeline.Id, pipeline.Secret, Encoding.UTF8.GetBytes(json), Peer())
            );

        await AssertRefusedAsync(response, HttpStatusCode.BadRequest, "/problems/validation");
        await AssertNothingStartedAsync(pipeline);
    }

    [SkippableFact]
    public async Task A_10_MB_body_is_refused_413_with_or_without_its_length_said_and_starts_nothing()
    {
        var pipeline = await Arrange.PipelineAsync();
        var big = new byte[10 * 1024 * 1024];
        Array.Fill(big, (byte)' ');
        var withLength = PipelineArrange.GitHubDelivery(pipeline.Id, pipeline.Secret, big, Peer());
        var chunked = PipelineArrange.GitHubDelivery(pipeline.Id, pipeline.Secret, big, Peer());
        chunked.Content = new StreamContent(new UnseekableStream(big));
        chunked.Headers.TransferEncodingChunked = true;

        await AssertRefusedAsync(
            await Client().SendAsync(withLength),
            HttpStatusCode.RequestEntityTooLarge,
            "/problems/payload-too-large"
        );
        await AssertRefusedAsync(await Client().SendAsync(chunked), HttpStatusCode.RequestEntityTooLarge);

        await AssertNothingStartedAsync(pipeline);
        Assert.Equal(2, await Arrange.RefusalsAsync(pipeline));
    }

    [SkippableFact]
    public async Task A_delivery_sent_again_is_refused_409_as_a_replay()
    {
        var pipeline = await Arrange.PipelineAsync(
            PipelineArrange.BuildOnMain.Replace("[main]", "[release/*]", StringComparison.Ordinal)
        );
        var id = Guid.NewGuid().ToString();
        var payload = PipelineArrange.Payload("github-push.json");

        var first = await Client()
            .SendAsync(PipelineArrange.GitHubDelivery(pipeline.Id, pipeline.Secret, payload, Peer(), deliveryId: id));
        var again = await Client()
            .SendAsync(PipelineArrange.GitHubDelivery(pipeline.Id, pipeline.Secret, payload, Peer(), deliveryId: id));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        await AssertRefusedAsync(again, HttpStatusCode.Conflict, "/problems/conflict");
        Assert.Single(await Arrange.DeliveriesAsync(pipeline.Id));
        Assert.Empty(await Arrange.RunsAsync(pipeline.Id));
        Assert.Equal(1, await Arrange.RefusalsAsync(pipeline));
    }

    [SkippableFact]
    public async Task Deliveries_from_one_address_beyond_the_limit_are_refused_429_with_retry_after()
    {
        var pipeline = await Arrange.PipelineAsync();
        var peer = Peer();
        var answers = new List<HttpResponseMessage>();

        for (var i = 0; i <= WebhookPortal.PerMinute; i++)
            answers.Add(
                await Client()
                    .SendAsync(
                        PipelineArrange.GitHubDelivery(
                            pipeline.Id,
                            "not-the-secret",
                            PipelineArrange.Payload("github-push.json"),
                            peer
                        )
                    )
            );
        var fromElsewhere = await Client()
            .SendAsync(
                PipelineArrange.GitHubDelivery(
                    pipeline.Id,
                    "not-the-secret",
                    PipelineArrange.Payload("github-push.json"),
                    Peer()
                )
            );

        Assert.All(answers.SkipLast(1), a => Assert.Equal(HttpStatusCode.Unauthorized, a.StatusCode));
        var limited = answers[^1];
        await AssertRefusedAsync(limited, HttpStatusCode.TooManyRequests, "/problems/too-many-requests");
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) is > 0 and <= 60);
        Assert.Equal(HttpStatusCode.Unauthorized, fromElsewhere.StatusCode);
        await AssertNothingStartedAsync(pipeline);
    }

    /// <summary>
    /// Behind a trusted proxy (loopback is always one) the client is the address it forwards; anyone else's
    /// X-Forwarded-For is not believed, so that a sender cannot escape the limit by making up addresses.
    /// </summary>
    [SkippableFact]
    public async Task The_limit_counts_the_client_a_trusted_proxy_forwards_and_not_the_addresses_others_make_up()
    {
        var pipeline = await Arrange.PipelineAsync();
        var client = Peer();
        var other = Peer();
        var untrusted = Peer();

        async Task<HttpStatusCode> SendAsync(string peer, string forwardedFor)
        {
            var request = PipelineArrange.GitHubDelivery(
                pipeline.Id,
                "not-the-secret",
                PipelineArrange.Payload("github-push.json"),
                peer
            );
            request.Headers.Add("X-Forwarded-For", forwardedFor);
            return (await Client().SendAsync(request)).StatusCode;
        }

        var viaProxy = new List<HttpStatusCode>();
        for (var i = 0; i <= WebhookPortal.PerMinute; i++)
            viaProxy.Add(await SendAsync("127.0.0.1", client));
        var otherViaProxy = await SendAsync("127.0.0.1", other);
        var madeUp = new List<HttpStatusCode>();
        for (var i = 0; i <= WebhookPortal.PerMinute; i++)
            madeUp.Add(await SendAsync(untrusted, $"203.0.113.{i + 1}"));

        Assert.Equal(HttpStatusCode.TooManyRequests, viaProxy[^1]);
        Assert.All(viaProxy.SkipLast(1), s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.Unauthorized, otherViaProxy);
        Assert.Equal(HttpStatusCode.TooManyRequests, madeUp[^1]);
    }

    private async Task AssertNothingStartedAsync(TestPipeline pipeline)
    {
        Assert.Empty(await Arrange.RunsAsync(pipeline.Id));
        Assert.Empty(await Arrange.DeliveriesAsync(pipeline.Id));
    }

    private static async Task<JsonElement> AssertRefusedAsync(
        HttpResponseMessage response,
        HttpStatusCode status,
        string? type = null
    )
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (type is not null)
            Assert.Equal(type, problem.GetProperty("type").GetString());
        return problem;
    }

    /// <summary>A body whose length is not known beforehand: sent chunked, read until it ends.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

public sealed class WebhookPortalOnSqlite : WebhookPortal
{
    protected override DatabaseKind Kind => DatabaseKind.Sqlite;
}

public sealed class WebhookPortalOnPostgres : WebhookPortal
{
    protected override DatabaseKind Kind => DatabaseKind.Postgres;
}

[Trait("Database", "Sqlite")]
public sealed class PipelineWebhookTestsOnSqlite(WebhookPortalOnSqlite portal)
    : PipelineWebhookTests(portal),
        IClassFixture<WebhookPortalOnSqlite>;

[Trait("Database", "Postgres")]
public sealed class PipelineWebhookTestsOnPostgres(WebhookPortalOnPostgres portal)
    : PipelineWebhookTests(portal),
        IClassFixture<WebhookPortalOnPostgres>;
