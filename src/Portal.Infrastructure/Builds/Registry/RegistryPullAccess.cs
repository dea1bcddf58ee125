using System.Text;
using System.Text.Json;

namespace Portal.Infrastructure.Builds.Registry;

/// <summary>
/// What a cluster signs in to the portal's registry with to pull its images: the host images name it by and a user
/// meant for pulling. Never logged, never shown: <see cref="ToString"/> leaves the password out.
/// </summary>
public sealed record RegistryPullAccess(string Host, string User, string Password)
{
    /// <summary>The <c>.dockerconfigjson</c> of a pull secret for this access.</summary>
    public byte[] DockerConfigJson()
    {
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}"));
        var config = new Dictionary<string, object>
        {
            ["auths"] = new Dictionary<string, object>
            {
                [Host] = new Dictionary<string, string>
                {
                    ["username"] = User,
                    ["password"] = Password,
                    ["auth"] = auth,
                },
            },
        };
        return Encoding.UTF8.GetBytes(JsonSerializer.Serialize(config));
    }

    /// <summary>
    /// Whether <paramref name="image"/> is in this registry: its first path part, when it names a registry (it holds
    /// a dot or a port, or is localhost), is this host. An image without one is Docker Hub's.
    /// </summary>
    public bool Holds(string image)
    {
        var slash = image.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
            return false;
        var first = image[..slash];
        var namesRegistry =
            first.Contains('.', StringComparison.Ordinal)
            || first.Contains(':', StringComparison.Ordinal)
            || first == "localhost";
        return namesRegistry && string.Equals(first, Host, StringComparison.OrdinalIgnoreCase);
    }

    public override string ToString() => $"{User} at {Host}";
}
