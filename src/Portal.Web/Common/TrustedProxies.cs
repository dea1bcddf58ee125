using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using IPNetwork = System.Net.IPNetwork;

namespace Portal.Web.Common;

/// <summary>Bound from <c>Portal:Network</c>.</summary>
public sealed class NetworkOptions
{
    public const string Section = "Portal:Network";

    /// <summary>
    /// Addresses and CIDR ranges of the proxies in front of the portal (ingress, load balancer) whose X-Forwarded-For
    /// and X-Forwarded-Proto are believed; loopback always is. Anyone else's are ignored.
    /// </summary>
    public List<string> TrustedProxies { get; set; } = [];
}

/// <summary>
/// The client's address and scheme behind proxies: X-Forwarded-For is read from the right, one trusted proxy at a time,
/// and the first address a trusted proxy did not vouch for is the client's — what the sign-in rate limit and the audit
/// see.
/// </summary>
public static class TrustedProxies
{
    public static IServiceCollection AddTrustedProxies(this IServiceCollection services)
    {
        services.AddOptions<NetworkOptions>().BindConfiguration(NetworkOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<NetworkOptions>, Validation>();
        services
            .AddOptions<ForwardedHeadersOptions>()
            .Configure<IOptions<NetworkOptions>>(
                (forwarded, network) =>
                {
                    forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
                    // Behind a load balancer and an ingress the client is more than one hop away; the walk stops at the
                    // first untrusted sender anyway.
                    forwarded.ForwardLimit = null;
                    foreach (var entry in network.Value.TrustedProxies)
                    {
                        if (IPNetwork.TryParse(entry, out var range))
                            forwarded.KnownIPNetworks.Add(range);
                        else
                            forwarded.KnownProxies.Add(IPAddress.Parse(entry));
                    }
                }
            );
        return services;
    }

    private static bool IsAddressOrRange(string entry) =>
        IPAddress.TryParse(entry, out _) || IPNetwork.TryParse(entry, out _);

    private sealed class Validation : IValidateOptions<NetworkOptions>
    {
        public ValidateOptionsResult Validate(string? name, NetworkOptions options) =>
            options.TrustedProxies.Where(entry => !IsAddressOrRange(entry)).ToList() is [_, ..] wrong
                ? ValidateOptionsResult.Fail(
                    $"{NetworkOptions.Section}:TrustedProxies takes IP addresses and CIDR ranges such as 10.0.0.0/8, "
                        + $"not {string.Join(", ", wrong.Select(w => $"'{w}'"))}."
                )
                : ValidateOptionsResult.Success;
    }
}
