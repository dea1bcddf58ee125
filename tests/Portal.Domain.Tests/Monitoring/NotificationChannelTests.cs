using Portal.Domain.Monitoring;

namespace Portal.Domain.Tests.Monitoring;

public sealed class NotificationChannelTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);
    private static readonly Guid TenantId = Guid.NewGuid();

    private static Portal.Domain.Common.Result<NotificationChannel> Webhook(string? url, string? name = "On-call") =>
        NotificationChannel.CreateWebhook(TenantId, name, url, "sealed-secret", Seal, Now);

    private static string Seal(string url) => $"sealed({url})";

    private static Portal.Domain.Common.Result<NotificationChannel> Email(
        string? recipients,
        string? name = "Team mail"
    ) => NotificationChannel.CreateEmail(TenantId, name, recipients, Now);

    [Fact]
    public void A_webhook_channel_keeps_its_url_sealed_like_its_secret_and_starts_enabled()
    {
        var channel = Webhook(" https://hooks.example.com/alerts?token=abc ").Value;

        Assert.Equal(ChannelKind.Webhook, channel.Kind);
        Assert.Equal("sealed(https://hooks.example.com/alerts?token=abc)", channel.SealedUrl);
        Assert.Equal("sealed-secret", channel.SealedSecret);
        Assert.Equal(TenantId, channel.TenantId);
        Assert.True(channel.Enabled);
        Assert.Equal(Now, channel.CreatedAt);
        Assert.Empty(channel.Recipients);
    }

    [Theory]
    [InlineData("https://hooks.slack.com/services/T0001/B0002/XXXXXXXXXXXX", "https://hooks.slack.com/…")]
    [InlineData(
        "https://contoso.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456",
        "https://contoso.webhook.office.com/…"
    )]
    [InlineData("http://hooks.example.com:8080/alerts?token=abc", "http://hooks.example.com:8080/…")]
    [InlineData("https://hooks.example.com/?token=abc", "https://hooks.example.com/…")]
    [InlineData("https://hooks.example.com", "https://hooks.example.com/")]
    public void What_anyone_sees_of_a_webhook_url_ends_at_its_host_since_its_path_may_be_the_credential(
        string url,
        string shown
    )
    {
        Assert.Equal(shown, Webhook(url).Value.Target);
    }

    [Fact]
    public void A_plain_http_webhook_is_accepted()
    {
        Assert.True(Webhook("http://hooks.example.com/alerts").Succeeded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hooks.example.com/alerts")]
    [InlineData("/alerts")]
    [InlineData("ftp://hooks.example.com/alerts")]
    [InlineData("file:///etc/passwd")]
    [InlineData("https://user:password@hooks.example.com/alerts")]
    public void A_webhook_url_that_is_not_absolute_http_without_user_info_is_refused(string url)
    {
        var result = Webhook(url);

        Assert.False(result.Succeeded);
        Assert.Equal("Url", result.Problem!.Field);
    }

    [Fact]
    public void A_webhook_url_longer_than_2000_characters_is_refused()
    {
        var result = Webhook("https://hooks.example.com/" + new string('a', 2000));

        Assert.Equal("Url", result.Problem!.Field);
        Assert.Contains("2000", result.Problem.Message);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("  ")]
    public void A_channel_needs_a_name(string? name)
    {
        var result = Webhook("https://hooks.example.com/alerts", name);

        Assert.Equal("Name", result.Problem!.Field);
    }

    [Fact]
    public void A_name_longer_than_64_characters_is_refused_and_64_is_accepted()
    {
        Assert.True(Email("ops@example.com", new string('n', 64)).Succeeded);
        Assert.Equal("Name", Email("ops@example.com", new string('n', 65)).Problem!.Field);
    }

    [Fact]
    public void A_wrong_name_and_a_wrong_url_are_reported_together_each_with_its_field()
    {
        var result = Webhook("not a url", "");

        Assert.Equal(["Name", "Url"], result.Problem!.Causes.Select(c => c.Field));
    }

    [Fact]
    public void Email_recipients_are_normalized_deduplicated_and_read_back_as_a_list()
    {
        var channel = Email("Ops@Example.com; dev@example.com,\nops@example.com").Value;

        Assert.Equal(ChannelKind.Email, channel.Kind);
        Assert.Equal("ops@example.com,dev@example.com", channel.Target);
        Assert.Equal(["ops@example.com", "dev@example.com"], channel.Recipients);
        Assert.Equal("", channel.SealedSecret);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("ops@example.com, not-an-address")]
    public void An_email_channel_without_valid_recipients_is_refused(string recipients)
    {
        var result = Email(recipients);

        Assert.Equal("Recipients", result.Problem!.Field);
    }

    [Fact]
    public void An_email_channel_takes_at_most_20_recipients()
    {
        string Addresses(int count) =>
            string.Join(",", Enumerable.Range(1, count).Select(i => $"person{i}@example.com"));

        Assert.Equal(20, Email(Addresses(20)).Value.Recipients.Count);
        Assert.Contains("at most 20", Email(Addresses(21)).Problem!.Message);
    }

    [Fact]
    public void Recipients_longer_than_the_target_column_together_are_refused()
    {
        var longAddresses = string.Join(
            ",",
            Enumerable.Range(1, 10).Select(i => new string('a', 200) + i + "@example.com")
        );

        Assert.Equal("Recipients", Email(longAddresses).Problem!.Field);
    }

    [Fact]
    public void A_channel_without_a_tenant_is_a_platform_channel()
    {
        var channel = NotificationChannel.CreateEmail(null, "Operators", "ops@example.com", Now).Value;

        Assert.True(channel.IsPlatformChannel);
        Assert.False(Email("ops@example.com").Value.IsPlatformChannel);
    }

    [Fact]
    public void A_channel_can_be_disabled_and_enabled_again()
    {
        var channel = Email("ops@example.com").Value;

        channel.Disable();
        Assert.False(channel.Enabled);
        channel.Enable();
        Assert.True(channel.Enabled);
    }
}
