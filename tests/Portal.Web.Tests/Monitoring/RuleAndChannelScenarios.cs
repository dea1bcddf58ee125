using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Domain.Audit;
using Portal.Domain.Tenancy;
using Portal.Infrastructure.Monitoring.Notifications;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Monitoring;

/// <summary>
/// Alert rules and notification channels of tenants and of the platform, through the API and the pages.
/// </summary>
public abstract partial class RuleAndChannelScenarios(PortalFixture portal)
{
    private const string PublicHook = "http://93.184.216.34/hook";

    /// <summary>A webhook URL whose path and query are its credential, as Slack's and Teams' are.</summary>
    private const string CredentialHook =
        "https://93.184.216.34/services/T0001/B0002/hook-path-secret?token=query-secret";
    private const string MaskedHook = "https://93.184.216.34/…";
    private PortalFactory Factory => portal.Factory;
    private Arrange Arrange => new(Factory);

    [SkippableFact]
    public async Task Rules_are_created_listed_changed_switched_off_and_deleted_through_the_api()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await ApiAsync(tenant, TenantRole.Developer);
        var rules = $"/api/v1/tenants/{tenant.Slug}/alert-rules";

        var created = await api.PostAsJsonAsync(rules, Rule("CPU hot", threshold: 80));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await JsonAsync(created)).GetProperty("id").GetGuid();
        var listed = Assert.Single((await api.GetFromJsonAsync<JsonElement>(rules)).EnumerateArray());
        Assert.Equal("CPU of limits avg > 80% for 5 min", listed.GetProperty("condition").GetString());
        Assert.Equal("Tenant", listed.GetProperty("scope").GetString());

        var changed = await api.PutAsJsonAsync(
            $"{rules}/{id}",
            Rule("CPU very hot", threshold: 95, severity: "Critical")
        );
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("Critical", (await JsonAsync(changed)).GetProperty("severity").GetString());
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"{rules}/{id}/disable", null)).StatusCode);
        Assert.False((await api.GetFromJsonAsync<JsonElement>($"{rules}/{id}")).GetProperty("enabled").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"{rules}/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync($"{rules}/{id}")).StatusCode);
        Assert.Equal(
            ["alert-rule.changed", "alert-rule.created", "alert-rule.deleted", "alert-rule.disabled"],
            await AuditActionsAsync(tenant)
        );
    }

    [SkippableFact]
    public async Task A_rule_watching_one_application_is_created_for_an_application_of_the_tenant_only()
    {
        var tenant = await Arrange.TenantAsync();
        var (app, _) = await Arrange.ApplicationAsync(tenant, await Arrange.EnvironmentAsync(tenant));
        var api = await ApiAsync(tenant, TenantRole.Developer);

        var watching = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/alert-rules",
            Rule("App CPU", appName: app)
        );
        var unknown = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/alert-rules",
            Rule("Ghost CPU", appName: "ghost")
        );

        Assert.Equal(HttpStatusCode.Created, watching.StatusCode);
        Assert.Equal("App", (await JsonAsync(watching)).GetProperty("scope").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("ghost", FieldErrors(await JsonAsync(unknown), "appName"));
    }

    [SkippableFact]
    public async Task A_bad_rule_is_refused_naming_each_field_and_nothing_is_saved()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await ApiAsync(tenant, TenantRole.Developer);

        var refused = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/alert-rules",
            Rule("", metric: "NodeCpuPercent", threshold: -1)
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await JsonAsync(refused);
        Assert.Equal("/problems/validation", problem.GetProperty("type").GetString());
        Assert.Contains("name", FieldErrors(problem, "name"));
        Assert.Contains("0 or more", FieldErrors(problem, "threshold"));
        Assert.Contains("Nodes belong to the platform", FieldErrors(problem, "metric"));
        Assert.Equal(0, await Arrange.QueryAsync(db => db.AlertRules.CountAsync(r => r.TenantId == tenant.Id)));
    }

    [SkippableFact]
    public async Task A_rule_without_a_metric_is_refused_naming_the_metric()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await ApiAsync(tenant, TenantRole.Developer);

        var refused = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/alert-rules",
            new
            {
                name = "No metric",
                aggregation = "Avg",
                comparator = "Above",
                threshold = 1,
                durationMinutes = 1,
                severity = "Info",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("Choose a metric", FieldErrors(await JsonAsync(refused), "metric"));
        Assert.Equal(0, await Arrange.QueryAsync(db => db.AlertRules.CountAsync(r => r.TenantId == tenant.Id)));
    }

    [SkippableFact]
    public async Task A_tenant_rule_cannot_notify_another_tenants_channel()
    {
        var tenant = await Arrange.TenantAsync();
        var other = await Arrange.TenantAsync();
        var theirs = await EmailChannelAsync(other);
        var api = await ApiAsync(tenant, TenantRole.Developer);

        var refused = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/alert-rules",
            Rule("Borrowed", channelIds: [theirs])
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("channels of its own tenant", FieldErrors(await JsonAsync(refused), "channelIds"));
        Assert.Equal(0, await Arrange.QueryAsync(db => db.AlertRules.CountAsync(r => r.TenantId == tenant.Id)));
    }

    [SkippableFact]
    public async Task A_rule_or_channel_of_one_tenant_is_not_found_under_another()
    {
        var mine = await Arrange.TenantAsync();
        var theirs = await Arrange.TenantAsync();
        var theirApi = await ApiAsync(theirs, TenantRole.TenantAdmin);
        var rule = (
            await JsonAsync(
                await theirApi.PostAsJsonAsync($"/api/v1/tenants/{theirs.Slug}/alert-rules", Rule("Theirs"))
            )
        )
            .GetProperty("id")
            .GetGuid();
        var channel = await EmailChannelAsync(theirs);
        var api = await ApiAsync(mine, TenantRole.TenantAdmin);

        var answers = new[]
        {
            await api.GetAsync($"/api/v1/tenants/{mine.Slug}/alert-rules/{rule}"),
            await api.PutAsJsonAsync($"/api/v1/tenants/{mine.Slug}/alert-rules/{rule}", Rule("Mine now")),
            await api.PostAsync($"/api/v1/tenants/{mine.Slug}/alert-rules/{rule}/disable", null),
            await api.DeleteAsync($"/api/v1/tenants/{mine.Slug}/alert-rules/{rule}"),
            await api.GetAsync($"/api/v1/tenants/{mine.Slug}/channels/{channel}"),
            await api.PostAsync($"/api/v1/tenants/{mine.Slug}/channels/{channel}/test", null),
            await api.PostAsync($"/api/v1/tenants/{mine.Slug}/channels/{channel}/rotate-secret", null),
            await api.DeleteAsync($"/api/v1/tenants/{mine.Slug}/channels/{channel}"),
        };

        Assert.All(answers, answer => Assert.Equal(HttpStatusCode.NotFound, answer.StatusCode));
        Assert.Equal(
            "Theirs",
            await Arrange.QueryAsync(db => db.AlertRules.Where(r => r.Id == rule).Select(r => r.Name).SingleAsync())
        );
        Assert.True(await Arrange.QueryAsync(db => db.NotificationChannels.AnyAsync(c => c.Id == channel)));
    }

    [SkippableFact]
    public async Task A_built_in_platform_rule_cannot_be_deleted_but_can_be_switched_off()
    {
        var api = await Arrange.UserApiClientAsync(await Arrange.AdminAsync());
        var builtIn = (await api.GetFromJsonAsync<JsonElement>("/api/v1/alert-rules"))
            .EnumerateArray()
            .Single(r => r.GetProperty("builtIn").GetString() == "quota-above-90")
            .GetProperty("id")
            .GetGuid();

        var deleted = await api.DeleteAsync($"/api/v1/alert-rules/{builtIn}");
        var disabled = await api.PostAsync($"/api/v1/alert-rules/{builtIn}/disable", null);
        var enabled = await api.PostAsync($"/api/v1/alert-rules/{builtIn}/enable", null);

        Assert.Equal(HttpStatusCode.Conflict, deleted.StatusCode);
        Assert.Equal("/problems/conflict", (await JsonAsync(deleted)).GetProperty("type").GetString());
        Assert.False((await JsonAsync(disabled)).GetProperty("enabled").GetBoolean());
        Assert.True((await JsonAsync(enabled)).GetProperty("enabled").GetBoolean());
        Assert.True(await Arrange.QueryAsync(db => db.AlertRules.AnyAsync(r => r.Id == builtIn)));
    }

    [SkippableFact]
    public async Task A_webhook_to_a_loopback_address_is_refused_naming_the_address_and_nothing_is_saved()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await ApiAsync(tenant, TenantRole.TenantAdmin);

        var refused = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/channels",
            new
            {
                kind = "Webhook",
                name = "local",
                url = "http://127.0.0.1/hook",
            }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var message = FieldErrors(await JsonAsync(refused), "url");
        Assert.Contains("127.0.0.1", message);
        Assert.Contains("loopback", message);
        Assert.False(await Arrange.QueryAsync(db => db.NotificationChannels.AnyAsync(c => c.TenantId == tenant.Id)));
        Assert.Empty(await AuditActionsAsync(tenant));
    }

    [SkippableFact]
    public async Task A_webhook_to_a_public_address_answers_its_secret_once_and_stores_it_sealed()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await ApiAsync(tenant, TenantRole.TenantAdmin);
        var channels = $"/api/v1/tenants/{tenant.Slug}/channels";

        var created = await api.PostAsJsonAsync(
            channels,
            new
            {
                kind = "Webhook",
                name = "on-call",
                url = $"{PublicHook}?token=query-secret",
            }
        );

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await JsonAsync(created);
        var (id, secret) = (body.GetProperty("id").GetGuid(), body.GetProperty("secret").GetString()!);
        Assert.True(secret.Length >= 40);
        var list = await api.GetStringAsync(channels);
        var single = await api.GetStringAsync($"{channels}/{id}");
        foreach (var shown in new[] { list, single })
        {
            Assert.Contains($"{PublicHook}?token=query-secret", shown);
            Assert.DoesNotContain(secret, shown);
        }
        var stored = await Arrange.QueryAsync(db =>
            db.NotificationChannels.Where(c => c.Id == id).Select(c => c.SealedSecret).SingleAsync()
        );
        Assert.NotEqual(secret, stored);
        Assert.DoesNotContain(secret, stored);
        Assert.Equal(secret, Factory.Services.GetRequiredService<ChannelSecretVault>().Open(stored));
        Assert.Equal(["channel.created"], await AuditActionsAsync(tenant));
    }

    [SkippableFact]
    public async Task Viewers_and_developers_see_a_webhook_url_only_up_to_its_host_on_pages_and_in_the_api()
    {
        var tenant = await Arrange.TenantAsync();
        var channels = $"/api/v1/tenants/{tenant.Slug}/channels";
        var id = (
            await JsonAsync(
                await (await ApiAsync(tenant, TenantRole.TenantAdmin)).PostAsJsonAsync(
                    channels,
                    new
                    {
                        kind = "Webhook",
                        name = "slack",
                        url = CredentialHook,
                    }
                )
            )
        ).GetProperty("id").GetGuid();

        foreach (var role in new[] { TenantRole.Viewer, TenantRole.Developer })
        {
            var api = await ApiAsync(tenant, role);
            var member = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, role));

            var listed = Assert.Single((await api.GetFromJsonAsync<JsonElement>(channels)).EnumerateArray());
            var single = await api.GetFromJsonAsync<JsonElement>($"{channels}/{id}");
            var page = WebUtility.HtmlDecode(await member.Http.GetStringAsync($"/t/{tenant.Slug}/alerts/channels"));

            Assert.Equal(MaskedHook, listed.GetProperty("target").GetString());
            Assert.Equal(MaskedHook, single.GetProperty("target").GetString());
            Assert.Contains(MaskedHook, page);
            Assert.DoesNotContain("hook-path-secret", page);
            Assert.DoesNotContain("query-secret", page);
        }
    }

    [SkippableFact]
    public async Task Tenant_admins_see_their_webhook_urls_whole()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await ApiAsync(tenant, TenantRole.TenantAdmin);
        var channels = $"/api/v1/tenants/{tenant.Slug}/channels";
        await api.PostAsJsonAsync(
            channels,
            new
            {
                kind = "Webhook",
                name = "slack",
                url = CredentialHook,
            }
        );
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));

        var listed = Assert.Single((await api.GetFromJsonAsync<JsonElement>(channels)).EnumerateArray());
        var page = WebUtility.HtmlDecode(await admin.Http.GetStringAsync($"/t/{tenant.Slug}/alerts/channels"));

        Assert.Equal(CredentialHook, listed.GetProperty("target").GetString());
        Assert.Contains(CredentialHook, page);
    }

    [SkippableFact]
    public async Task The_audit_never_holds_a_webhook_url_beyond_its_host()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await ApiAsync(tenant, TenantRole.TenantAdmin);
        var channels = $"/api/v1/tenants/{tenant.Slug}/channels";
        var id = (
            await JsonAsync(
                await api.PostAsJsonAsync(
                    channels,
                    new
                    {
                        kind = "Webhook",
                        name = "slack",
                        url = CredentialHook,
                    }
                )
            )
        ).GetProperty("id").GetGuid();

        await api.PostAsync($"{channels}/{id}/disable", null);
        await api.PostAsync($"{channels}/{id}/rotate-secret", null);
        await api.DeleteAsync($"{channels}/{id}");

        var entries = await Arrange.QueryAsync(db =>
            db.AuditEvents.Where(a => a.TenantId == tenant.Id && a.Action.StartsWith("channel."))
                .Select(a => new
                {
                    a.Action,
                    a.TargetId,
                    a.Summary,
                })
                .ToListAsync()
        );
        Assert.Equal(
            ["channel.created", "channel.deleted", "channel.disabled", "channel.secret-rotated"],
            entries.Select(e => e.Action).Order(StringComparer.Ordinal)
        );
        Assert.Contains(entries, e => e.Summary?.Contains(MaskedHook) == true);
        Assert.All(entries, e => Assert.DoesNotContain("hook-path-secret", $"{e.TargetId} {e.Summary}"));
        Assert.All(entries, e => Assert.DoesNotContain("query-secret", $"{e.TargetId} {e.Summary}"));
    }

    [SkippableFact]
    public async Task A_webhook_url_is_stored_sealed_like_the_other_secrets()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await ApiAsync(tenant, TenantRole.TenantAdmin);
        var id = (
            await JsonAsync(
                await api.PostAsJsonAsync(
                    $"/api/v1/tenants/{tenant.Slug}/channels",
                    new
                    {
                        kind = "Webhook",
                        name = "slack",
                        url = CredentialHook,
                    }
                )
            )
        ).GetProperty("id").GetGuid();

        var stored = await Arrange.QueryAsync(db =>
            db.NotificationChannels.Where(c => c.Id == id).Select(c => new { c.Target, c.SealedUrl }).SingleAsync()
        );

        Assert.Equal(MaskedHook, stored.Target);
        Assert.DoesNotContain("hook-path-secret", stored.SealedUrl);
        Assert.Equal(
            CredentialHook,
            Factory.Services.GetRequiredService<ChannelSecretVault>().OpenUrl(stored.SealedUrl)
        );
    }

    [SkippableFact]
    public async Task A_webhook_saved_before_urls_were_sealed_is_sealed_at_the_next_start()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await ApiAsync(tenant, TenantRole.TenantAdmin);
        var id = (
            await JsonAsync(
                await api.PostAsJsonAsync(
                    $"/api/v1/tenants/{tenant.Slug}/channels",
                    new
                    {
                        kind = "Webhook",
                        name = "old",
                        url = CredentialHook,
                    }
                )
            )
        ).GetProperty("id").GetGuid();
        await Arrange.QueryAsync(db =>
            db.NotificationChannels.Where(c => c.Id == id)
                .ExecuteUpdateAsync(c => c.SetProperty(x => x.Target, CredentialHook).SetProperty(x => x.SealedUrl, ""))
        );

        await using (var scope = Factory.Services.CreateAsyncScope())
            await scope
                .ServiceProvider.GetRequiredService<Portal.Infrastructure.Monitoring.ChannelDirectory>()
                .SealPlainUrlsAsync(default);

        var stored = await Arrange.QueryAsync(db =>
            db.NotificationChannels.Where(c => c.Id == id).Select(c => new { c.Target, c.SealedUrl }).SingleAsync()
        );
        Assert.Equal(MaskedHook, stored.Target);
        Assert.Equal(
            CredentialHook,
            Factory.Services.GetRequiredService<ChannelSecretVault>().OpenUrl(stored.SealedUrl)
        );
    }

    [SkippableFact]
    public async Task Rotating_a_webhook_secret_answers_a_new_one_that_replaces_the_old()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await ApiAsync(tenant, TenantRole.TenantAdmin);
        var created = await JsonAsync(
            await api.PostAsJsonAsync(
                $"/api/v1/tenants/{tenant.Slug}/channels",
                new
                {
                    kind = "Webhook",
                    name = "rotating",
                    url = PublicHook,
                }
            )
        );
        var id = created.GetProperty("id").GetGuid();

        var rotated = await api.PostAsync($"/api/v1/tenants/{tenant.Slug}/channels/{id}/rotate-secret", null);

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        var secret = (await JsonAsync(rotated)).GetProperty("secret").GetString();
        Assert.NotEqual(created.GetProperty("secret").GetString(), secret);
        var stored = await Arrange.QueryAsync(db =>
            db.NotificationChannels.Where(c => c.Id == id).Select(c => c.SealedSecret).SingleAsync()
        );
        Assert.Equal(secret, Factory.Services.GetRequiredService<ChannelSecretVault>().Open(stored));
        Assert.Contains("channel.secret-rotated", await AuditActionsAsync(tenant));
    }

    [SkippableFact]
    public async Task A_test_message_to_an_email_channel_without_smtp_is_not_delivered_and_says_why()
    {
        var tenant = await Arrange.TenantAsync();
        var channel = await EmailChannelAsync(tenant);
        var api = await ApiAsync(tenant, TenantRole.TenantAdmin);

        var tested = await api.PostAsync($"/api/v1/tenants/{tenant.Slug}/channels/{channel}/test", null);

        Assert.Equal(HttpStatusCode.OK, tested.StatusCode);
        var outcome = await JsonAsync(tested);
        Assert.False(outcome.GetProperty("delivered").GetBoolean());
        Assert.Contains("No SMTP server is configured", outcome.GetProperty("error").GetString());
        Assert.False(await Arrange.QueryAsync(db => db.AlertDeliveries.AnyAsync(d => d.ChannelId == channel)));
        var audited = await Arrange.QueryAsync(db =>
            db.AuditEvents.SingleAsync(a => a.TenantId == tenant.Id && a.Action == "channel.tested")
        );
        Assert.Equal(AuditOutcome.Failed, audited.Outcome);
    }

    [SkippableFact]
    public async Task Deleting_a_channel_takes_it_off_the_rules_that_named_it()
    {
        var tenant = await Arrange.TenantAsync();
        var channel = await EmailChannelAsync(tenant);
        var api = await ApiAsync(tenant, TenantRole.TenantAdmin);
        var rule = (
            await JsonAsync(
                await api.PostAsJsonAsync(
                    $"/api/v1/tenants/{tenant.Slug}/alert-rules",
                    Rule("Told", channelIds: [channel])
                )
            )
        )
            .GetProperty("id")
            .GetGuid();

        var deleted = await api.DeleteAsync($"/api/v1/tenants/{tenant.Slug}/channels/{channel}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(
            (await api.GetFromJsonAsync<JsonElement>($"/api/v1/tenants/{tenant.Slug}/alert-rules/{rule}"))
                .GetProperty("channelIds")
                .EnumerateArray()
        );
        Assert.Empty(await api.GetFromJsonAsync<JsonElement[]>($"/api/v1/tenants/{tenant.Slug}/channels") ?? []);
        Assert.Contains("channel.deleted", await AuditActionsAsync(tenant));
    }

    [SkippableFact]
    public async Task A_channel_is_switched_off_and_on_again()
    {
        var tenant = await Arrange.TenantAsync();
        var channel = await EmailChannelAsync(tenant);
        var api = await ApiAsync(tenant, TenantRole.TenantAdmin);

        var off = await JsonAsync(
            await api.PostAsync($"/api/v1/tenants/{tenant.Slug}/channels/{channel}/disable", null)
        );
        var on = await JsonAsync(await api.PostAsync($"/api/v1/tenants/{tenant.Slug}/channels/{channel}/enable", null));

        Assert.False(off.GetProperty("enabled").GetBoolean());
        Assert.True(on.GetProperty("enabled").GetBoolean());
        Assert.Equal(["channel.created", "channel.disabled", "channel.enabled"], await AuditActionsAsync(tenant));
    }

    [SkippableFact]
    public async Task A_developer_cannot_create_a_channel()
    {
        var tenant = await Arrange.TenantAsync();
        var api = await ApiAsync(tenant, TenantRole.Developer);

        var refused = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/channels",
            new
            {
                kind = "Email",
                name = "mine",
                recipients = "dev@portal.test",
            }
        );

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [SkippableFact]
    public async Task Rules_are_created_changed_switched_off_and_deleted_through_the_pages()
    {
        var tenant = await Arrange.TenantAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));
        var rules = $"/t/{tenant.Slug}/alerts/rules";

        var form = await developer.Http.GetStringAsync($"{rules}/new");
        Assert.Contains("<optgroup label=\"Applications and middleware instances\">", form);
        Assert.DoesNotContain("Node CPU", form);
        var created = await developer.PostFormAsync($"{rules}/new", PageRule("Orders CPU", "85"));
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var id = await Arrange.QueryAsync(db =>
            db.AlertRules.Where(r => r.TenantId == tenant.Id).Select(r => r.Id).SingleAsync()
        );
        Assert.Contains("CPU of limits avg &gt; 85% for 5 min", await developer.Http.GetStringAsync(rules));

        Assert.Equal(
            HttpStatusCode.Redirect,
            (await developer.PostFormAsync($"{rules}/{id}", PageRule("Orders CPU", "90"))).StatusCode
        );
        Assert.Equal(HttpStatusCode.Redirect, (await developer.PostFormAsync($"{rules}/{id}/disable", [])).StatusCode);
        var rule = await Arrange.QueryAsync(db => db.AlertRules.SingleAsync(r => r.Id == id));
        Assert.Equal((90d, false), (rule.Threshold, rule.Enabled));

        Assert.Contains("Delete alert rule", await developer.Http.GetStringAsync($"{rules}/{id}/delete"));
        Assert.Equal(HttpStatusCode.Redirect, (await developer.PostFormAsync($"{rules}/{id}/delete", [])).StatusCode);
        Assert.False(await Arrange.QueryAsync(db => db.AlertRules.AnyAsync(r => r.Id == id)));
    }

    [SkippableFact]
    public async Task The_form_of_a_rule_watching_one_application_offers_only_application_metrics()
    {
        var tenant = await Arrange.TenantAsync();
        var (app, _) = await Arrange.ApplicationAsync(tenant, await Arrange.EnvironmentAsync(tenant));
        var rule = (
            await JsonAsync(
                await (await ApiAsync(tenant, TenantRole.Developer)).PostAsJsonAsync(
                    $"/api/v1/tenants/{tenant.Slug}/alert-rules",
                    Rule("App CPU", appName: app)
                )
            )
        )
            .GetProperty("id")
            .GetGuid();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));

        var form = await developer.Http.GetStringAsync($"/t/{tenant.Slug}/alerts/rules/{rule}");

        Assert.Contains("Crash-looping pods", form);
        Assert.DoesNotContain("Quota requested", form);
    }

    [SkippableFact]
    public async Task A_bad_rule_form_shows_a_message_at_each_field_and_saves_nothing()
    {
        var tenant = await Arrange.TenantAsync();
        var developer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Developer));

        var refused = await developer.PostFormAsync(
            $"/t/{tenant.Slug}/alerts/rules/new",
            PageRule("", "-1", duration: "soon")
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var html = await refused.Content.ReadAsStringAsync();
        foreach (var field in new[] { "Name", "Threshold", "DurationMinutes" })
            Assert.Matches($"data-valmsg-for=\"{field}\"[^>]*>[^<]+<", html);
        Assert.Equal(0, await Arrange.QueryAsync(db => db.AlertRules.CountAsync(r => r.TenantId == tenant.Id)));
    }

    [SkippableFact]
    public async Task The_tenant_rules_page_shows_the_platform_rules_that_also_watch_its_applications()
    {
        var tenant = await Arrange.TenantAsync();
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));

        var html = await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/alerts/rules");

        var platformSection = html[html.IndexOf("id=\"platform-rules\"", StringComparison.Ordinal)..];
        Assert.Contains("Pod crash-looping", platformSection);
        Assert.DoesNotContain("id=\"new-rule\"", html);
    }

    [SkippableFact]
    public async Task The_rules_page_shows_a_page_of_rules_by_name_and_links_to_the_next()
    {
        var tenant = await Arrange.TenantAsync();
        var viewer = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.Viewer));
        var rules = Web.Monitoring.RulesController.RulesPerPage + 2;
        await Arrange.QueryAsync(async db =>
        {
            for (var i = 0; i < rules; i++)
                db.AlertRules.Add(
                    Domain
                        .Monitoring.AlertRule.Create(
                            Domain.Monitoring.RuleScope.Tenant,
                            tenant.Id,
                            null,
                            new Domain.Monitoring.RuleSettings(
                                $"rule {i:D3}",
                                Domain.Monitoring.AlertMetric.AppCpuPercent,
                                Domain.Monitoring.Aggregation.Avg,
                                Domain.Monitoring.Comparator.Above,
                                80,
                                5,
                                Domain.Monitoring.Severity.Warning,
                                []
                            ),
                            DateTime.UtcNow
                        )
                        .Value
                );
            return await db.SaveChangesAsync();
        });

        var first = await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/alerts/rules");
        var second = await viewer.Http.GetStringAsync($"/t/{tenant.Slug}/alerts/rules?page=2");

        Assert.Equal(Web.Monitoring.RulesController.RulesPerPage, Regex.Matches(first, "data-rule=").Count);
        Assert.Contains(">rule 000<", first);
        Assert.DoesNotContain($">rule {rules - 1:D3}<", first);
        Assert.Contains($"{rules} in all", first);
        Assert.Contains("page=2", first);
        Assert.Equal(2, Regex.Matches(second, "data-rule=").Count);
        Assert.Contains($">rule {rules - 1:D3}<", second);
    }

    [SkippableFact]
    public async Task A_platform_admin_creates_a_platform_rule_on_a_node_metric_through_the_pages()
    {
        var admin = await Arrange.AdminAsync();

        var created = await admin.PostFormAsync(
            "/admin/alerts/rules/new",
            PageRule("Nodes hot", "90", metric: "NodeCpuPercent")
        );

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Contains("Node CPU avg &gt; 90% for 5 min", await admin.Http.GetStringAsync("/admin/alerts/rules"));
    }

    [SkippableFact]
    public async Task Creating_a_webhook_on_the_page_shows_its_secret_only_then()
    {
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var channels = $"/t/{tenant.Slug}/alerts/channels";

        var created = await admin.PostFormAsync(
            $"{channels}/webhooks",
            new() { ["Webhook.Name"] = "pager", ["Webhook.Url"] = PublicHook }
        );

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var html = await created.Content.ReadAsStringAsync();
        Assert.Contains("shown only now", html);
        var secret = SecretPattern().Match(html).Groups[1].Value;
        Assert.NotEmpty(secret);
        var list = await admin.Http.GetStringAsync(channels);
        Assert.Contains("pager", list);
        Assert.DoesNotContain(secret, list);
    }

    [SkippableFact]
    public async Task A_webhook_form_to_a_private_address_shows_why_at_the_url_and_saves_nothing()
    {
        var tenant = await Arrange.TenantAsync();
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));

        var refused = await admin.PostFormAsync(
            $"/t/{tenant.Slug}/alerts/channels/webhooks",
            new() { ["Webhook.Name"] = "inside", ["Webhook.Url"] = "http://10.1.2.3/hook" }
        );

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Matches(
            "data-valmsg-for=\"Webhook.Url\"[^>]*>[^<]*10\\.1\\.2\\.3, a private address",
            await refused.Content.ReadAsStringAsync()
        );
        Assert.False(await Arrange.QueryAsync(db => db.NotificationChannels.AnyAsync(c => c.TenantId == tenant.Id)));
    }

    [SkippableFact]
    public async Task Sending_a_test_from_the_page_shows_why_it_was_not_delivered()
    {
        var tenant = await Arrange.TenantAsync();
        var channel = await EmailChannelAsync(tenant);
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var channels = $"/t/{tenant.Slug}/alerts/channels";

        var tested = await admin.PostFormAsync($"{channels}/{channel}/test", []);

        Assert.Equal(HttpStatusCode.Redirect, tested.StatusCode);
        Assert.Contains("not delivered: No SMTP server is configured", await admin.Http.GetStringAsync(channels));
    }

    [SkippableFact]
    public async Task A_channel_is_deleted_from_the_page_after_confirmation()
    {
        var tenant = await Arrange.TenantAsync();
        var channel = await EmailChannelAsync(tenant);
        var admin = await Arrange.SignedInAsync(await Arrange.MemberAsync(tenant, TenantRole.TenantAdmin));
        var path = $"/t/{tenant.Slug}/alerts/channels/{channel}";

        Assert.Contains("Delete channel", await admin.Http.GetStringAsync($"{path}/delete"));
        Assert.True(await Arrange.QueryAsync(db => db.NotificationChannels.AnyAsync(c => c.Id == channel)));
        Assert.Equal(HttpStatusCode.Redirect, (await admin.PostFormAsync($"{path}/delete", [])).StatusCode);

        Assert.False(await Arrange.QueryAsync(db => db.NotificationChannels.AnyAsync(c => c.Id == channel)));
    }

    private async Task<HttpClient> ApiAsync(Tenant tenant, TenantRole role) =>
        await Arrange.ApiClientAsync(await Arrange.ServiceAccountAsync(tenant, role));

    private async Task<Guid> EmailChannelAsync(Tenant tenant)
    {
        var api = await ApiAsync(tenant, TenantRole.TenantAdmin);
        var created = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/channels",
            new
            {
                kind = "Email",
                name = Arrange.Unique("mail"),
                recipients = "ops@portal.test",
            }
        );
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await JsonAsync(created)).GetProperty("id").GetGuid();
    }

    private static object Rule(
        string name,
        string metric = "AppCpuPercent",
        double threshold = 80,
        string severity = "Warning",
        Guid[]? channelIds = null,
        string? appName = null
    ) =>
        new
        {
            name,
            metric,
            aggregation = "Avg",
            comparator = "Above",
            threshold,
            durationMinutes = 5,
            severity,
            channelIds = channelIds ?? [],
            appName,
        };

    private static Dictionary<string, string> PageRule(
        string name,
        string threshold,
        string duration = "5",
        string metric = "AppCpuPercent"
    ) =>
        new()
        {
            ["Name"] = name,
            ["Metric"] = metric,
            ["Aggregation"] = "Avg",
            ["Comparator"] = "Above",
            ["Threshold"] = threshold,
            ["DurationMinutes"] = duration,
            ["Severity"] = "Warning",
            ["AppName"] = "",
        };

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        await response.Content.ReadFromJsonAsync<JsonElement>();

    private static string FieldErrors(JsonElement problem, string field) =>
        problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out var messages)
            ? string.Join(" ", messages.EnumerateArray().Select(m => m.GetString()))
            : $"(no errors for '{field}' in {problem})";

    private async Task<List<string>> AuditActionsAsync(Tenant tenant) =>
        (
            await Arrange.QueryAsync(db =>
                db.AuditEvents.Where(a =>
                        a.TenantId == tenant.Id
                        && (a.Action.StartsWith("alert-rule.") || a.Action.StartsWith("channel."))
                    )
                    .Select(a => a.Action)
                    .Distinct()
                    .ToListAsync()
            )
        )
            .Order(StringComparer.Ordinal)
            .ToList();

    [GeneratedRegex("id=\"channel-secret\">([^<]+)<")]
    private static partial Regex SecretPattern();
}

public sealed class RuleAndChannelScenariosOnSqlite(SqlitePortal portal)
    : RuleAndChannelScenarios(portal),
        IClassFixture<SqlitePortal>;

public sealed class RuleAndChannelScenariosOnPostgres(PostgresPortal portal)
    : RuleAndChannelScenarios(portal),
        IClassFixture<PostgresPortal>;
