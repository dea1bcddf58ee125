using Microsoft.AspNetCore.Identity;

namespace Portal.Infrastructure.Identity;

public sealed class PortalUser : IdentityUser<Guid>
{
    public string DisplayName { get; set; } = "";
    public bool IsPlatformAdmin { get; set; }
    public DateTime CreatedAt { get; set; }
}
