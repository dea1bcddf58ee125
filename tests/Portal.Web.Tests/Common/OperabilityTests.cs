using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Portal.Infrastructure.Identity;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Common;

public sealed class OperabilityTests(SqlitePortal portal) : IClassFixture<SqlitePortal>
{
    private Arrange Arrange => new(portal.Factory);

    [Fact]
    public async Task Liveness_and_readiness_answer_healthy_once_migrations_are_applied()
    {
        var client = portal.Factory.CreateClient();

        var live = await client.GetAsync("/health/live");
        var ready = await client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Pages_carry_security_headers_and_load_assets_from_the_portal_only()
    {
        var response = await portal.Factory.CreateClient().GetAsync("/account/login");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("/lib/bootstrap/css/bootstrap.min.css", html);
        Assert.DoesNotContain("://cdn", html);
        Assert.Equal(
            HttpStatusCode.OK,
            (await portal.Factory.CreateClient().GetAsync("/lib/bootstrap/css/bootstrap.min.css")).StatusCode
        );
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_and_each_attempt_is_audited()
    {
        var user = await Arrange.UserAsync();
        var session = new BrowserSession(portal.Factory);
        HttpResponseMessage last = null!;

        for (var attempt = 0; attempt < 6; attempt++)
            last = await session.PostFormAsync(
                "/account/login",
                new() { ["Email"] = user.Email, ["Password"] = "Wrong-passw0rd" },
                "/account/login"
            );
        var withRightPassword = await session.PostFormAsync(
            "/account/login",
            new() { ["Email"] = user.Email, ["Password"] = user.Password },
            "/account/login"
        );

        Assert.Contains("locked", await last.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, withRightPassword.StatusCode);
        Assert.Contains("locked", await withRightPassword.Content.ReadAsStringAsync());
        Assert.True(await Arrange.AuditCountAsync("user.sign-in-failed") >= 4);
        Assert.True(await Arrange.AuditCountAsync("user.locked-out") >= 1);
    }

    [Fact]
    public async Task A_user_changes_their_password_and_signs_in_with_the_new_one()
    {
        var user = await Arrange.UserAsync();
        var session = await Arrange.SignedInAsync(user);

        var wrong = await session.PostFormAsync(
            "/account/password",
            new()
            {
                ["CurrentPassword"] = "not-it-1A",
                ["NewPassword"] = "Another-passw0rd",
                ["ConfirmPassword"] = "Another-passw0rd",
            }
        );
        var changed = await session.PostFormAsync(
            "/account/password",
            new()
            {
                ["CurrentPassword"] = user.Password,
                ["NewPassword"] = "Another-passw0rd",
                ["ConfirmPassword"] = "Another-passw0rd",
            }
        );

        Assert.Contains("The current password is wrong.", await wrong.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        await new BrowserSession(portal.Factory).SignInAsync(user.Email, "Another-passw0rd");
    }

    [Fact]
    public async Task Without_a_configured_password_the_first_admin_gets_a_random_one_printed_once()
    {
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?>
            {
                ["Portal:Admin:Password"] = "",
                ["Portal:Admin:Email"] = "first@portal.test",
            }
        );
        _ = factory.Server;
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<PortalUser>>();
        foreach (var existing in users.Users.Where(u => u.IsPlatformAdmin).ToList())
            await users.DeleteAsync(existing);
        var firstAdmin = scope.ServiceProvider.GetRequiredService<FirstAdmin>();

        var console = new StringWriter();
        await firstAdmin.EnsureAsync(console, default);
        var secondStart = new StringWriter();
        await firstAdmin.EnsureAsync(secondStart, default);

        var password = System
            .Text.RegularExpressions.Regex.Match(console.ToString(), @"password: (\S+)")
            .Groups[1]
            .Value;
        Assert.NotEmpty(password);
        Assert.Equal("", secondStart.ToString());
        var admin = await users.FindByEmailAsync("first@portal.test");
        Assert.True(await users.CheckPasswordAsync(admin!, password));
    }
}

public sealed class PublicUrlTests
{
    [Fact]
    public async Task Invitation_links_use_the_configured_public_address()
    {
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Portal:PublicUrl"] = "https://portal.example.test/" }
        );
        var arrange = new Arrange(factory);
        var tenant = await arrange.TenantAsync();
        var api = await arrange.ApiClientAsync(
            await arrange.ServiceAccountAsync(tenant, Domain.Tenancy.TenantRole.TenantAdmin)
        );

        var response = await api.PostAsJsonAsync(
            $"/api/v1/tenants/{tenant.Slug}/invitations",
            new { email = "far@portal.test", role = "Viewer" }
        );

        var link = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>())
            .GetProperty("link")
            .GetString();
        Assert.StartsWith("https://portal.example.test/invitations/", link);
    }
}

public sealed class LoginRateLimitTests
{
    [Fact]
    public async Task Sign_in_attempts_beyond_the_limit_get_429()
    {
        await using var factory = new PortalFactory(
            DatabaseKind.Sqlite,
            new Dictionary<string, string?> { ["Portal:Security:LoginAttemptsPerMinute"] = "3" }
        );
        var session = new BrowserSession(factory);
        var statuses = new List<HttpStatusCode>();

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var response = await session.PostFormAsync(
                "/account/login",
                new() { ["Email"] = "nobody@portal.test", ["Password"] = "Whatever-1A" },
                "/account/login"
            );
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(
            [
                HttpStatusCode.OK,
                HttpStatusCode.OK,
                HttpStatusCode.OK,
                HttpStatusCode.TooManyRequests,
                HttpStatusCode.TooManyRequests,
            ],
            statuses
        );
    }
}
