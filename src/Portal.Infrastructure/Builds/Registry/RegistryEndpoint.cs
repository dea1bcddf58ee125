namespace Portal.Infrastructure.Builds.Registry;

/// <summary>Where the registry is and how to sign in to it. Its text never shows the password.</summary>
public sealed record RegistryEndpoint(Uri BaseAddress, string? User, string? Password, bool VerifyTls = true)
{
    /// <summary>The host and port image references start with: "127.0.0.1:5000", "registry.example.com".</summary>
    public string Host => BaseAddress.Authority;

    public bool HasCredentials => !string.IsNullOrEmpty(User);

    /// <summary>
    /// Plain http, or a certificate nobody checks. Tools like buildah may skip TLS only for a registry on this machine:
    /// no risk on loopback, a risk anywhere else.
    /// </summary>
    public bool SkipsTls => !VerifyTls || BaseAddress.Scheme == Uri.UriSchemeHttp;

    public override string ToString() => HasCredentials ? $"{BaseAddress} as {User}" : BaseAddress.ToString();
}
