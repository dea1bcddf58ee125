using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Portal.Domain.Builds;
using Portal.Domain.Common;

namespace Portal.Infrastructure.Builds.Registry;

/// <summary>
/// The registry the portal pushes to and reads from, as it stands now: the configured one, or the embedded one once
/// it has started (until then, or when it cannot start, the reason why not). One client per registry, shared, so
/// that Bearer tokens are reused.
/// </summary>
public sealed class RegistryConnection(IOptions<RegistryOptions> options, RegistryPasswordSeal seal) : IDisposable
{
    private readonly Lock _lock = new();
    private RegistryEndpoint? _endpoint;
    private RegistryPullAccess? _embeddedPull;
    private OciRegistryClient? _client;
    private string _unavailable = "The embedded registry has not started yet.";

    /// <summary>Where the registry is, with its credentials; or why there is none.</summary>
    public Result<RegistryEndpoint> Endpoint()
    {
        var settings = options.Value;
        if (!settings.Embedded && settings.Url.Length == 0)
            return Problem.Unavailable(
                $"No image registry is configured: set {RegistryOptions.Section}:Url, or Embedded to true."
            );
        if (!settings.Embedded)
        {
            lock (_lock)
            {
                if (_endpoint is null)
                {
                    var configured = Configured(settings);
                    if (!configured.Succeeded)
                        return configured;
                    _endpoint = configured.Value;
                }
                return _endpoint;
            }
        }
        lock (_lock)
            return _endpoint is null ? Problem.Unavailable(_unavailable) : _endpoint;
    }

    /// <summary>The registry's client, or one that answers every call with why there is no registry.</summary>
    public IImageRegistry Registry()
    {
        var endpoint = Endpoint();
        if (!endpoint.Succeeded)
            return new UnavailableRegistry(endpoint.Problem!.Message);
        lock (_lock)
            return _client ??= new OciRegistryClient(endpoint.Value);
    }

    /// <summary>
    /// What clusters pull the portal's images with: the configured pull user (else the registry's own user), or the
    /// embedded registry's pull user; null when there is no registry or it takes no credentials, and pods then pull
    /// without a secret.
    /// </summary>
    public RegistryPullAccess? PullAccess()
    {
        var endpoint = Endpoint();
        if (!endpoint.Succeeded)
            return null;
        var settings = options.Value;
        if (settings.Embedded)
        {
            lock (_lock)
                return _embeddedPull;
        }
        if (settings.PullUser.Length > 0)
            return new RegistryPullAccess(endpoint.Value.Host, settings.PullUser, settings.PullPassword);
        return endpoint.Value.HasCredentials
            ? new RegistryPullAccess(endpoint.Value.Host, endpoint.Value.User!, endpoint.Value.Password ?? "")
            : null;
    }

    /// <summary>The embedded registry has started (or restarted) at this endpoint, with this user for pulls.</summary>
    public void UseEmbedded(RegistryEndpoint endpoint, RegistryPullAccess? pull = null)
    {
        lock (_lock)
        {
            _client?.Dispose();
            _client = null;
            _endpoint = endpoint;
            _embeddedPull = pull
                ?? (
                    endpoint.HasCredentials
                        ? new RegistryPullAccess(endpoint.Host, endpoint.User!, endpoint.Password ?? "")
                        : null
                );
        }
    }

    /// <summary>The embedded registry is not running, and this sentence says why.</summary>
    public void EmbeddedUnavailable(string reason)
    {
        lock (_lock)
        {
            _client?.Dispose();
            _client = null;
            _endpoint = null;
            _embeddedPull = null;
            _unavailable = reason;
        }
    }

    public void Dispose()
    {
        lock (_lock)
            _client?.Dispose();
    }

    private Result<RegistryEndpoint> Configured(RegistryOptions settings)
    {
        var password = settings.Password;
        if (settings.SealedPassword.Length > 0)
        {
            try
            {
                password = seal.Open(settings.SealedPassword);
            }
            catch (CryptographicException)
            {
                return Problem.Unavailable(
                    $"{RegistryOptions.Section}:SealedPassword cannot be opened with this portal's key ring: "
                        + "seal it again with this portal, or set Password instead."
                );
            }
        }
        return new RegistryEndpoint(
            new Uri(settings.Url),
            settings.User.Length > 0 ? settings.User : null,
            password,
            settings.VerifyTls
        );
    }
}
