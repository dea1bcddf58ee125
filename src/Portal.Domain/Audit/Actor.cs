namespace Portal.Domain.Audit;

/// <summary>Who is acting: a signed-in user, a service account, or the portal itself.</summary>
public sealed record Actor(Guid? UserId, string Name, string? ClientAddress, bool IsPlatformAdmin = false)
{
    public static Actor System { get; } = new(null, "system", null);
}
