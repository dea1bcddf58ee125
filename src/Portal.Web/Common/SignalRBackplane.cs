using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace Portal.Web.Common;

/// <summary>Bound from <c>Portal:Redis</c>: the SignalR backplane that several portal replicas share.</summary>
public sealed class BackplaneOptions
{
    public const string Section = "Portal:Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string (<c>redis:6379</c>, <c>host:6379,password=...,ssl=true</c>). Empty,
    /// the default, means one replica: hubs deliver within this process only, and no Redis is needed.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Put before every channel name, so that two portals on one Redis never hear each other's messages. The replicas
    /// of one portal must share it.
    /// </summary>
    public string ChannelPrefix { get; set; } = "developer-center";

    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration);
}

/// <summary>
/// With two replicas or more, a change seen by one (the cluster watch it holds, a job it ran) must reach the browsers
/// connected to the others: every hub message goes through Redis's publish/subscribe.
/// </summary>
public static class SignalRBackplane
{
    public static ISignalRServerBuilder AddPortalBackplane(this ISignalRServerBuilder signalR, IConfiguration config)
    {
        var options = config.GetSection(BackplaneOptions.Section).Get<BackplaneOptions>() ?? new BackplaneOptions();
        if (!options.Enabled)
            return signalR;
        if (string.IsNullOrWhiteSpace(options.ChannelPrefix))
            throw new InvalidOperationException(
                $"{BackplaneOptions.Section}:ChannelPrefix must not be empty when "
                    + $"{BackplaneOptions.Section}:Configuration is set: it keeps two portals on one Redis apart."
            );
        ConfigurationOptions redis;
        try
        {
            redis = ConfigurationOptions.Parse(options.Configuration!);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException(
                $"{BackplaneOptions.Section}:Configuration is no Redis configuration string: {e.Message}",
                e
            );
        }
        // Redis down at start (or later) must not stop the portal: the client keeps reconnecting in the background
        // instead of failing the first hub connection, and pages are served meanwhile.
        redis.AbortOnConnectFail = false;
        redis.ChannelPrefix = RedisChannel.Literal(options.ChannelPrefix + ":");
        signalR.Services.AddHostedService<BackplaneAnnouncement>();
        return signalR.AddStackExchangeRedis(backplane => backplane.Configuration = redis);
    }

    /// <summary>
    /// Says at start which Redis the hubs use (the Redis client's own log says when it is not reached, lost, restored).
    /// </summary>
    private sealed class BackplaneAnnouncement(IConfiguration config, ILogger<BackplaneAnnouncement> logger)
        : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var options = config.GetSection(BackplaneOptions.Section).Get<BackplaneOptions>()!;
            logger.LogInformation(
                "SignalR's Redis backplane: {Endpoints}, channel prefix {Prefix}",
                string.Join(", ", ConfigurationOptions.Parse(options.Configuration!).EndPoints),
                options.ChannelPrefix
            );
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
