using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Portal.Domain.Monitoring;

namespace Portal.Infrastructure.Monitoring.Notifications;

/// <summary>
/// Delivers alerts to webhooks as a JSON POST: the <see cref="AlertMessage"/> in camelCase with <c>"version":"1"</c>.
/// Each request is signed so the receiver can tell it came from the portal and is fresh:
/// <c>X-Portal-Timestamp</c> holds the unix time in seconds, and <c>X-Portal-Signature</c> is
/// <c>sha256=</c> followed by the lower-case hex HMAC-SHA256 of <c>{timestamp}.{body}</c> (the timestamp header's
/// value, a dot, then the exact body bytes), keyed with the UTF-8 bytes of the channel's secret.
/// Network errors, timeouts, 408, 429 and 5xx answers are retried with doubling waits; any other answer is final.
/// </summary>
public sealed class WebhookSender(
    IHttpClientFactory httpClients,
    ChannelSecretVault secrets,
    IOptions<NotificationOptions> options,
    TimeProvider clock,
    ILogger<WebhookSender> logger
) : INotificationSender
{
    public const string HttpClientName = "Portal.Monitoring.Webhooks";
    public const string SignatureHeader = "X-Portal-Signature";
    public const string TimestampHeader = "X-Portal-Timestamp";
    public const string PayloadVersion = "1";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public ChannelKind Kind => ChannelKind.Webhook;

    public async Task<DeliveryOutcome> SendAsync(
        NotificationChannel channel,
        AlertMessage message,
        CancellationToken ct
    )
    {
        if (channel.Kind != ChannelKind.Webhook)
            throw new ArgumentException(
                $"Channel {channel.Id} is a {channel.Kind} channel, not a webhook.",
                nameof(channel)
            );
        var settings = options.Value;
        var url = new Uri(secrets.OpenUrl(channel.SealedUrl));
        var body = Payload(message);
        var secret = secrets.Open(channel.SealedSecret);
        var client = httpClients.CreateClient(HttpClientName);
        var delay = settings.WebhookFirstRetryDelay;
        var attempts = Math.Max(1, settings.WebhookAttempts);
        string error = "";
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            if (attempt > 1)
            {
                await Task.Delay(delay, clock, ct);
                delay *= 2;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(settings.WebhookTimeout);
            try
            {
                using var request = SignedRequest(url, body, secret);
                using var response = await client.SendAsync(
                    request,
                    HttpCompletionOption.ResponseHeadersRead,
                    timeout.Token
                );
                if (response.IsSuccessStatusCode)
                {
                    logger.LogInformation(
                        "Alert {AlertId} delivered to webhook channel {ChannelId} ({Endpoint}) on attempt {Attempt}.",
                        message.AlertId,
                        channel.Id,
                        channel.Target,
                        attempt
                    );
                    return DeliveryOutcome.Success(attempt);
                }
                var status = (int)response.StatusCode;
                error = $"The webhook answered {status} {response.ReasonPhrase}.".Replace(
                    " .",
                    ".",
                    StringComparison.Ordinal
                );
                if (!IsWorthRetrying(response.StatusCode))
                    return Failed(channel, attempt, error);
            }
            catch (HttpRequestException e) when (Refusal(e) is { } refusal)
            {
                return Failed(channel, attempt, refusal.Message);
            }
            catch (HttpRequestException e)
            {
                error = $"The webhook could not be reached: {e.Message}";
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                error =
                    "The webhook did not answer within "
                    + $"{settings.WebhookTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} "
                    + "s.";
            }
            logger.LogWarning(
                "Attempt {Attempt} of {Attempts} to deliver alert {AlertId} to webhook "
                    + "channel {ChannelId} ({Endpoint}) failed: {Error}",
                attempt,
                attempts,
                message.AlertId,
                channel.Id,
                channel.Target,
                error
            );
        }
        return Failed(channel, attempts, attempts > 1 ? $"{error} Gave up after {attempts} attempts." : error);
    }

    /// <summary>
    /// The signature a receiver computes to check a request: see the type's summary for the material signed.
    /// </summary>
    public static string Signature(string secret, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp + ".");
        var material = new byte[prefix.Length + body.Length];
        prefix.CopyTo(material, 0);
        body.CopyTo(material.AsSpan(prefix.Length));
        return "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), material));
    }

    private HttpRequestMessage SignedRequest(Uri url, byte[] body, string secret)
    {
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("developer-center", null));
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, Signature(secret, timestamp, body));
        return request;
    }

    private static byte[] Payload(AlertMessage message)
    {
        var payload = new JsonObject { ["version"] = PayloadVersion };
        foreach (var (name, value) in JsonSerializer.SerializeToNode(message, Json)!.AsObject())
            payload[name] = value?.DeepClone();
        return JsonSerializer.SerializeToUtf8Bytes(payload, Json);
    }

    private static bool IsWorthRetrying(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static WebhookTargetRefusedException? Refusal(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is WebhookTargetRefusedException refusal)
                return refusal;
        }

        return null;
    }

    // Logs name the channel's target, its URL cut after the host: the path or query may be the credential.
    private DeliveryOutcome Failed(NotificationChannel channel, int attempts, string error)
    {
        logger.LogWarning(
            "Webhook channel {ChannelId} ({Endpoint}) did not take the alert after {Attempts} attempt(s): {Error}",
            channel.Id,
            channel.Target,
            attempts,
            error
        );
        return DeliveryOutcome.Failure(attempts, error);
    }
}
