namespace Portal.Infrastructure.Identity;

/// <summary>
/// An RSA key of the OpenID Connect server, kept in the database (protected by Data Protection) so that
/// tokens stay valid across restarts and replicas.
/// </summary>
public sealed class OidcSigningKey
{
    public int Id { get; set; }
    public string Use { get; set; } = "";
    public string ProtectedKey { get; set; } = "";
    public DateTime CreatedAt { get; set; }
}
