using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Portal.Domain.Monitoring;
using Portal.Infrastructure.Monitoring.Notifications;
using Portal.Infrastructure.Tests.Clusters;

namespace Portal.Infrastructure.Tests.Monitoring.Notifications;

public sealed class WebhookSenderTests
{
    private static readonly DateTime Now = new(2026, 11, 25, 12, 0, 0, DateTimeKind.Utc);

    private static NotificationChannel Channel(NotificationServices services, Uri url, string secret) =>
        NotificationChannel
            .CreateWebhook(
                Guid.NewGuid(),
                "On-call",
                url.ToString(),
                services.Get<ChannelSecretVault>().Seal(secret),
                services.Get<ChannelSecretVault>().SealUrl,
                Now
            )
            .Value;

    private static Task<DeliveryOutcome> Send(NotificationServices services, NotificationChannel channel) =>
        services
            .Sender(ChannelKind.Webhook)
            .SendAsync(channel, NotificationServices.FiringAlert(), CancellationToken.None);

    private static Func<HttpContext, int, Task> AnswerInTurn(params int[] statuses) =>
        (context, request) =>
        {
            context.Response.StatusCode = statuses[Math.Min(request, statuses.Length) - 1];
            return Task.CompletedTask;
        };

    [Fact]
    public async Task A_webhook_receives_the_alert_as_camel_case_json_signed_with_the_channel_secret()
    {
        byte[] body = [];
        var headers = new Dictionary<string, string>();
        await using var receiver = await StandInApiServer.StartAsync(
            async (context, _) =>
            {
                using var buffer = new MemoryStream();
                await context.Request.Body.CopyToAsync(buffer);
                body = buffer.ToArray();
                foreach (var name in new[] { "X-Portal-Signature", "X-Portal-Timestamp", "User-Agent", "Content-Type" })
                    headers[name] = context.Request.Headers[name].ToString();
            }
        );
        using var services = new NotificationServices(NotificationServices.LoopbackWebhooks());
        var secret = ChannelSecretVault.NewSecret();

        var outcome = await Send(services, Channel(services, new Uri(receiver.Address, "/hooks/alerts"), secret));

        Assert.Equal(new DeliveryOutcome(true, 1, null), outcome);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("1", json.RootElement.GetProperty("version").GetString());
        Assert.Equal("5b0f7c52-3f4e-4c59-9f7b-2f1d8e2c6a11", json.RootElement.GetProperty("alertId").GetString());
        Assert.Equal("firing", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("Pod crash-looping", json.RootElement.GetProperty("rule").GetString());
        Assert.Equal("shop/prod/api", json.RootElement.GetProperty("subject").GetString());
        Assert.Equal(7, json.RootElement.GetProperty("value").GetDouble());
        Assert.Equal(5, json.RootElement.GetProperty("threshold").GetDouble());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("endsAt").ValueKind);
        Assert.Equal("developer-center", headers["User-Agent"]);
        Assert.StartsWith("application/json", headers["Content-Type"]);
        var timestamp = long.Parse(headers["X-Portal-Timestamp"], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - timestamp, 0, 60);
        var signed = Encoding.UTF8.GetBytes(headers["X-Portal-Timestamp"] + ".").Concat(body).ToArray();
        var expected =
            "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
        Assert.Equal(expected, headers["X-Portal-Signature"]);
    }

    [Fact]
    public void A_signature_changes_with_the_secret_and_with_the_timestamp()
    {
        var body = "{}"u8.ToArray();

        Assert.NotEqual(
            WebhookSender.Signature("secret-one", "1764072000", body),
            WebhookSender.Signature("secret-two", "1764072000", body)
        );
        Assert.NotEqual(
            WebhookSender.Signature("secret-one", "1764072000", body),
            WebhookSender.Signature("secret-one", "1764072001", body)
        );
    }

    [Fact]
    public async Task A_webhook_that_answers_503_is_retried_until_it_takes_the_alert()
    {
        await using var receiver = await StandInApiServer.StartAsync(AnswerInTurn(503, 503, 200));
        using var services = new NotificationServices(NotificationServices.LoopbackWebhooks());

        var outcome = await Send(services, Channel(services, receiver.Address, "s3cret"));

        Assert.Equal(new DeliveryOutcome(true, 3, null), outcome);
        Assert.Equal(3, receiver.Requests);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    public async Task Timeouts_throttling_and_server_errors_are_retried(int status)
    {
        await using var receiver = await StandInApiServer.StartAsync(AnswerInTurn(status, 204));
        using var services = new NotificationServices(NotificationServices.LoopbackWebhooks());

        var outcome = await Send(services, Channel(services, receiver.Address, "s3cret"));

        Assert.True(outcome.Delivered);
        Assert.Equal(2, outcome.Attempts);
    }

    [Fact]
    public async Task A_webhook_that_keeps_failing_is_given_up_after_the_configured_attempts()
    {
        await using var receiver = await StandInApiServer.StartAsync(AnswerInTurn(503));
        using var services = new NotificationServices(NotificationServices.LoopbackWebhooks(("WebhookAttempts", "3")));

        var outcome = await Send(services, Channel(services, receiver.Address, "s3cret"));

        Assert.False(outcome.Delivered);
        Assert.Equal(3, outcome.Attempts);
        Assert.Equal(3, receiver.Requests);
        Assert.Contains("503", outcome.Error);
        Assert.Contains("after 3 attempts", outcome.Error);
    }

    [Fact]
    public async Task A_webhook_that_answers_400_is_not_retried()
    {
        await using var receiver = await StandInApiServer.StartAsync(AnswerInTurn(400, 200));
        using var services = new NotificationServices(NotificationServices.LoopbackWebhooks());

        var outcome = await Send(services, Channel(services, receiver.Address, "s3cret"));

        Assert.False(outcome.Delivered);
        Assert.Equal(1, outcome.Attempts);
        Assert.Equal(1, receiver.Requests);
        Assert.Contains("400", outcome.Error);
    }

    [Fact]
    public async Task A_webhook_that_does_not_answer_in_time_is_tried_again()
    {
        await using var receiver = await StandInApiServer.StartAsync(
            async (context, request) =>
            {
                if (request == 1)
                    await Task.Delay(TimeSpan.FromSeconds(5), context.RequestAborted);
            }
        );
        using var services = new NotificationServices(
            NotificationServices.LoopbackWebhooks(("WebhookTimeout", "00:00:00.500"))
        );

        var outcome = await Send(services, Channel(services, receiver.Address, "s3cret"));

        Assert.Equal(new DeliveryOutcome(true, 2, null), outcome);
    }

    [Fact]
    public async Task A_redirect_is_not_followed()
    {
        await using var elsewhere = await StandInApiServer.StartAsync((context, _) => Task.CompletedTask);
        await using var receiver = await StandInApiServer.StartAsync(
            (context, _) =>
            {
                context.Response.Redirect(elsewhere.Address.ToString());
                return Task.CompletedTask;
            }
        );
        using var services = new NotificationServices(NotificationServices.LoopbackWebhooks());

        var outcome = await Send(services, Channel(services, receiver.Address, "s3cret"));

        Assert.False(outcome.Delivered);
        Assert.Contains("302", outcome.Error);
        Assert.Equal(0, elsewhere.Requests);
    }

    [Fact]
    public async Task A_webhook_on_loopback_is_refused_by_the_guard_unless_allowed_and_never_called()
    {
        await using var receiver = await StandInApiServer.StartAsync((context, _) => Task.CompletedTask);
        using var services = new NotificationServices(("WebhookFirstRetryDelay", "00:00:00.010"));

        var outcome = await Send(services, Channel(services, receiver.Address, "s3cret"));

        Assert.False(outcome.Delivered);
        Assert.Equal(1, outcome.Attempts);
        Assert.Contains("127.0.0.1, a loopback address", outcome.Error);
        Assert.Contains("AllowedTargets", outcome.Error);
        Assert.Equal(0, receiver.Requests);
    }

    [Fact]
    public async Task Logs_name_neither_the_secret_nor_the_url_beyond_its_host()
    {
        await using var receiver = await StandInApiServer.StartAsync(AnswerInTurn(503, 200));
        using var services = new NotificationServices(NotificationServices.LoopbackWebhooks());
        var secret = ChannelSecretVault.NewSecret();

        var outcome = await Send(
            services,
            Channel(
                services,
                new Uri(receiver.Address, "/services/T0001/path-token-1234?token=query-token-1234"),
                secret
            )
        );

        Assert.True(outcome.Delivered);
        Assert.NotEmpty(services.Logs.Lines);
        Assert.Contains(services.Logs.Lines, line =>
            line.Contains($"{receiver.Address.GetLeftPart(UriPartial.Authority)}/…", StringComparison.Ordinal)
        );
        Assert.DoesNotContain(services.Logs.Lines, line => line.Contains("path-token-1234", StringComparison.Ordinal));
        Assert.DoesNotContain(services.Logs.Lines, line => line.Contains("query-token-1234", StringComparison.Ordinal));
        Assert.DoesNotContain(services.Logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
    }
}
