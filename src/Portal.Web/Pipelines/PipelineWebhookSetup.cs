using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Portal.Web.Common;

namespace Portal.Web.Pipelines;

/// <summary>Bound from <c>Portal:Pipelines:Webhooks</c>.</summary>
public sealed class PipelineWebhookOptions
{
    public const string Section = "Portal:Pipelines:Webhooks";

    /// <summary>Deliveries taken from one client address a minute, whatever pipeline they are for; then 429.</summary>
    public int DeliveriesPerMinute { get; set; } = 120;
}

/// <summary>
/// The webhook endpoint's rate limit: per client address, as <see cref="TrustedProxies"/> finds it behind the trusted
/// proxies, so that one sender cannot make the portal check signatures without end.
/// </summary>
public static class PipelineWebhookSetup
{
    public const string RateLimit = "pipeline-webhooks";

    public static IServiceCollection AddPipelineWebhooks(this IServiceCollection services)
    {
        services
            .AddOptions<PipelineWebhookOptions>()
            .BindConfiguration(PipelineWebhookOptions.Section)
            .Validate(
                o => o.DeliveriesPerMinute > 0,
                $"{PipelineWebhookOptions.Section}:DeliveriesPerMinute must be positive."
            )
            .ValidateOnStart();
        services.AddRateLimiter(limiter => limiter.AddPolicy<string, DeliveriesPerAddress>(RateLimit));
        return services;
    }

    private sealed class DeliveriesPerAddress(
        IOptions<PipelineWebhookOptions> options,
        ILogger<DeliveriesPerAddress> logger
    ) : IRateLimiterPolicy<string>
    {
        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected =>
            async (context, ct) =>
            {
                var http = context.HttpContext;
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
                    ? (int)Math.Ceiling(after.TotalSeconds)
                    : 60;
                http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
                logger.LogWarning(
                    "Webhook delivery to {Path} refused: too many deliveries from {Address}",
                    http.Request.Path,
                    http.Connection.RemoteIpAddress
                );
                await ApiProblems.WriteAsync(
                    http,
                    StatusCodes.Status429TooManyRequests,
                    "/problems/too-many-requests",
                    "Too many requests",
                    $"Too many deliveries from this address; try again in {retryAfter} seconds."
                );
            };

        public RateLimitPartition<string> GetPartition(HttpContext http) =>
            RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.Value.DeliveriesPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }
            );
    }
}
