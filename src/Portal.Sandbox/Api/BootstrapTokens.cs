using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Api;

/// <summary>
/// Bootstrap token authentication as the API server does it: a bearer token "&lt;id&gt;.&lt;secret&gt;" matches the
/// Secret kube-system/bootstrap-token-&lt;id&gt; of type bootstrap.kubernetes.io/token that is not expired and has
/// usage-bootstrap-authentication "true", and authenticates as system:bootstrap:&lt;id&gt;. The Secret is read on every
/// request, so deleting it revokes the token at once. The identity may create nodes and then read and update the
/// nodes it created (what a kubelet's registration needs), nothing else.
/// </summary>
internal sealed partial class BootstrapTokens(ResourceStore store, TimeProvider time)
{
    public const string IdentityItem = "sandbox.bootstrapTokenId";
    public const string SecretType = "bootstrap.kubernetes.io/token";

    private readonly ConcurrentDictionary<string, string> _nodeRegistrar = new(StringComparer.Ordinal);

    public static string UserName(string tokenId) => $"system:bootstrap:{tokenId}";

    /// <summary>The token id when the bearer token is a valid bootstrap token; null otherwise.</summary>
    public string? Authenticate(string? bearerToken)
    {
        if (bearerToken is null || TokenFormat().Match(bearerToken) is not { Success: true } match)
        {
            return null;
        }
        var id = match.Groups["id"].Value;
        var secret = store.Get(ResourceKinds.Secret, "kube-system", "bootstrap-token-" + id)?.Parse();
        if (secret is null || secret.Str("type") != SecretType)
        {
            return null;
        }
        var data = secret.Obj("data");
        if (
            Decoded(data.Str("token-id")) != id
            || Decoded(data.Str("usage-bootstrap-authentication")) != "true"
            || Decoded(data.Str("token-secret")) is not { } expected
            || !CryptographicOperations.FixedTimeEquals(
                Encoding.UTF8.GetBytes(expected),
                Encoding.UTF8.GetBytes(match.Groups["secret"].Value)
            )
        )
        {
            return null;
        }
        if (Decoded(data.Str("expiration")) is { } expiration)
        {
            if (Clock.Parse(expiration) is not { } expiresAt || expiresAt <= time.GetUtcNow())
            {
                return null;
            }
        }
        return id;
    }

    public void NodeRegistered(string nodeName, string tokenId) => _nodeRegistrar[nodeName] = tokenId;

    public bool Registered(string nodeName, string tokenId) =>
        _nodeRegistrar.TryGetValue(nodeName, out var registrar) && registrar == tokenId;

    private static string? Decoded(string? base64)
    {
        if (base64 is null)
        {
            return null;
        }
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [GeneratedRegex("^(?<id>[a-z0-9]{6})\\.(?<secret>[a-z0-9]{16})$")]
    private static partial Regex TokenFormat();
}
