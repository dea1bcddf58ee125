using System.Net;
using System.Net.Sockets;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Common;

/// <summary>
/// How a guard's refusals name what was refused: "The {Subject}'s host …; the portal does not {Verb} private networks
/// unless {Setting} lists it."
/// </summary>
public sealed record TargetWording(string Subject, string Field, string Verb, string Setting);

/// <summary>
/// Keeps a URL a person gives the portal from reaching the portal's own network (SSRF): its host must resolve to public
/// addresses, unless the operators allowed private targets, or listed the host, its address or its range. The check
/// runs again at connect time on the addresses actually dialled, so a name that resolves differently the second time
/// (DNS rebinding) gains nothing. Each kind of outbound call (webhooks, Prometheus) has its own guard and settings.
/// </summary>
public abstract class NetworkTargetGuard
{
    private readonly bool _allowPrivateTargets;
    private readonly HashSet<string> _allowedHosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IPNetwork> _allowedNetworks = [];
    private readonly TargetWording _wording;

    protected NetworkTargetGuard(bool allowPrivateTargets, IEnumerable<string> allowedTargets, TargetWording wording)
    {
        _allowPrivateTargets = allowPrivateTargets;
        _wording = wording;
        foreach (var entry in allowedTargets)
        {
            if (TryParseNetwork(entry, out var network))
                _allowedNetworks.Add(network);
            else if (!string.IsNullOrWhiteSpace(entry))
                _allowedHosts.Add(entry.Trim().TrimEnd('.'));
        }
    }

    /// <summary>
    /// The exception thrown when every address of a host is refused at connect time; retrying cannot help.
    /// </summary>
    protected virtual TargetRefusedException Refused(string message) => new(message);

    /// <summary>An allowed-targets entry is a host name, an address, or an address range in CIDR notation.</summary>
    public static bool IsValidAllowedTarget(string? entry) =>
        !string.IsNullOrWhiteSpace(entry)
        && (
            TryParseNetwork(entry, out _)
            || (
                !entry.Contains('/', StringComparison.Ordinal)
                && Uri.CheckHostName(entry.Trim().TrimEnd('.')) == UriHostNameType.Dns
            )
        );

    /// <summary>
    /// Resolves the URL's host and refuses it when any of its addresses is one the portal must not reach. A host name
    /// the operators listed is taken on their word, resolvable from here or not; it is checked again when connecting.
    /// </summary>
    public async Task<Result> CheckAsync(Uri url, CancellationToken ct)
    {
        var host = HostOf(url.Host);
        if (_allowedHosts.Contains(host.TrimEnd('.')))
            return Result.Ok();
        IPAddress[] addresses;
        try
        {
            addresses = await ResolveAsync(host, ct);
        }
        catch (SocketException e)
        {
            return Problem.Invalid(
                _wording.Field,
                $"The {_wording.Subject}'s host '{host}' could not be resolved: {e.Message}"
            );
        }
        if (addresses.Length == 0)
            return Problem.Invalid(_wording.Field, $"The {_wording.Subject}'s host '{host}' resolves to no address.");
        foreach (var address in addresses)
        {
            var verdict = Check(host, address);
            if (!verdict.Succeeded)
                return verdict;
        }
        return Result.Ok();
    }

    /// <summary>
    /// Whether a connection for <paramref name="host"/> may go to <paramref name="address"/>, one of its addresses.
    /// </summary>
    public Result Check(string host, IPAddress address)
    {
        if (_allowPrivateTargets || _allowedHosts.Contains(HostOf(host).TrimEnd('.')))
            return Result.Ok();
        var comparable = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        if (_allowedNetworks.Any(network => network.Contains(comparable)))
            return Result.Ok();
        var forbidden = ForbiddenKind(comparable);
        return forbidden is null
            ? Result.Ok()
            : Problem.Invalid(
                _wording.Field,
                $"The {_wording.Subject}'s host resolves to {address}, {forbidden}; the portal does not "
                    + $"{_wording.Verb} private networks unless {_wording.Setting} lists it."
            );
    }

    /// <summary>
    /// The handler to connect through: it dials only addresses the guard allows, follows no redirects (a redirect could
    /// point anywhere) and uses no proxy (a proxy would dial for us, past the guard).
    /// </summary>
    public SocketsHttpHandler CreateGuardedHandler(TimeSpan connectTimeout) =>
        new()
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            ConnectTimeout = connectTimeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            ConnectCallback = ConnectAsync,
        };

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken ct)
    {
        var host = HostOf(context.DnsEndPoint.Host);
        var addresses = await ResolveAsync(host, ct);
        Problem? refusal = null;
        Exception? connectFailure = null;
        foreach (var address in addresses)
        {
            var verdict = Check(host, address);
            if (!verdict.Succeeded)
            {
                refusal ??= verdict.Problem;
                continue;
            }
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                connectFailure = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        if (connectFailure is not null)
            throw connectFailure;
        throw Refused(refusal?.Message ?? $"The {_wording.Subject}'s host '{host}' resolves to no address.");
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken ct) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);

    private static string HostOf(string host) =>
        host.Length > 1 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;

    private static bool TryParseNetwork(string? entry, out IPNetwork network)
    {
        var value = entry?.Trim() ?? "";
        if (IPAddress.TryParse(HostOf(value), out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return IPNetwork.TryParse(value, out network);
    }

    private static readonly (IPNetwork Network, string Kind)[] ForbiddenIPv4 =
    [
        (IPNetwork.Parse("169.254.169.254/32"), "the cloud metadata address"),
        (IPNetwork.Parse("0.0.0.0/8"), "an unspecified address"),
        (IPNetwork.Parse("127.0.0.0/8"), "a loopback address"),
        (IPNetwork.Parse("10.0.0.0/8"), "a private address"),
        (IPNetwork.Parse("172.16.0.0/12"), "a private address"),
        (IPNetwork.Parse("192.168.0.0/16"), "a private address"),
        (IPNetwork.Parse("169.254.0.0/16"), "a link-local address"),
        (IPNetwork.Parse("100.64.0.0/10"), "a carrier-grade NAT address"),
        (IPNetwork.Parse("224.0.0.0/4"), "a multicast address"),
        (IPNetwork.Parse("240.0.0.0/4"), "a broadcast or reserved address"),
    ];

    private static readonly (IPNetwork Network, string Kind)[] ForbiddenIPv6 =
    [
        (IPNetwork.Parse("::1/128"), "a loopback address"),
        (IPNetwork.Parse("::/128"), "an unspecified address"),
        (IPNetwork.Parse("fc00::/7"), "a private (unique local) address"),
        (IPNetwork.Parse("fec0::/10"), "a private (site-local) address"),
        (IPNetwork.Parse("fe80::/10"), "a link-local address"),
        (IPNetwork.Parse("ff00::/8"), "a multicast address"),
    ];

    // IPv6 forms that carry an IPv4 address and reach it: IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d).
    private static readonly IPNetwork IPv4Compatible = IPNetwork.Parse("::/96");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    private static string? ForbiddenKind(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return ForbiddenIPv4.FirstOrDefault(f => f.Network.Contains(address)).Kind;
        var kind = ForbiddenIPv6.FirstOrDefault(f => f.Network.Contains(address)).Kind;
        if (kind is not null)
            return kind;
        if (IPv4Compatible.Contains(address) || Nat64.Contains(address))
            return ForbiddenKind(new IPAddress(address.GetAddressBytes()[12..]));
        return null;
    }
}

/// <summary>The guard refused every address of a host; retrying cannot help.</summary>
public class TargetRefusedException(string message) : Exception(message);
