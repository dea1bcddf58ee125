using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Portal.Infrastructure.Identity;

/// <summary>Bound from <c>Portal:Admin</c>: the first platform admin.</summary>
public sealed class AdminOptions
{
    public const string Section = "Portal:Admin";
    public string Email { get; set; } = "admin@portal.local";
    public string? Password { get; set; }
}

/// <summary>
/// Makes sure a platform admin exists. Without a configured password it generates one and prints it to
/// the console, once: on purpose to the console and not to the log, which may be shipped elsewhere.
/// </summary>
public sealed class FirstAdmin(
    UserManager<PortalUser> users,
    IOptions<AdminOptions> options,
    TimeProvider clock,
    ILogger<FirstAdmin> logger
)
{
    public async Task EnsureAsync(TextWriter console, CancellationToken ct)
    {
        if (await users.Users.AnyAsync(u => u.IsPlatformAdmin, ct))
            return;
        var email = options.Value.Email.Trim().ToLowerInvariant();
        var password = options.Value.Password;
        var generated = string.IsNullOrEmpty(password);
        if (generated)
            password = GeneratePassword();

        var admin = new PortalUser
        {
            UserName = email,
            Email = email,
            EmailConfirmed = true,
            DisplayName = "Platform admin",
            IsPlatformAdmin = true,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        IdentityResult created;
        try
        {
            created = await users.CreateAsync(admin, password!);
        }
        catch (DbUpdateException)
        {
            if (await users.Users.AnyAsync(u => u.IsPlatformAdmin, ct))
                return;
            throw;
        }
        // Another replica started on the same empty database at the same moment, and made it first.
        if (!created.Succeeded && await users.Users.AnyAsync(u => u.IsPlatformAdmin, ct))
            return;
        if (!created.Succeeded)
        {
            throw new InvalidOperationException(
                "The first platform admin could not be created: "
                    + string.Join(" ", created.Errors.Select(e => e.Description))
            );
        }

        logger.LogInformation("Created the first platform admin {Email}", email);
        if (generated)
        {
            await console.WriteLineAsync(
                $"""

                ==== First platform admin created ====
                  email:    {email}
                  password: {password}
                This password is shown once. Sign in and change it under your account.
                ======================================

                """
            );
        }
    }

    private static string GeneratePassword() =>
        "Pa1-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', 'x').Replace('/', 'y');
}
