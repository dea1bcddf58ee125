using System.Net;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Portal.Web.Tests.Support;

namespace Portal.Web.Tests.Identity;

/// <summary>
/// A password change ends every other sign-in of the account: other browsers within the cookie's validation interval.
/// </summary>
public sealed class PasswordChangeTests
{
    [Fact]
    public async Task A_password_change_signs_the_accounts_other_browsers_out_within_a_minute()
    {
        var clock = new MovableClock();
        await using var factory = new PortalFactory(DatabaseKind.Sqlite)
        {
            TestServices = services => services.Configure<SecurityStampValidatorOptions>(o => o.TimeProvider = clock),
        };
        var arrange = new Arrange(factory);
        var user = await arrange.UserAsync();
        var changing = await arrange.SignedInAsync(user);
        var other = await arrange.SignedInAsync(user);

        var changed = await changing.PostFormAsync(
            "/account/password",
            new()
            {
                ["CurrentPassword"] = user.Password,
                ["NewPassword"] = "Changed-passw0rd",
                ["ConfirmPassword"] = "Changed-passw0rd",
            }
        );
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.Redirect, changed.StatusCode);
        var otherPage = await other.GetAsync("/account/password");
        Assert.Equal(HttpStatusCode.Redirect, otherPage.StatusCode);
        Assert.Contains("/account/login", otherPage.Headers.Location!.ToString());
        Assert.Equal(HttpStatusCode.OK, (await changing.GetAsync("/account/password")).StatusCode);
    }

    private sealed class MovableClock : TimeProvider
    {
        private TimeSpan _offset;

        public void Advance(TimeSpan by) => _offset += by;

        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + _offset;
    }
}
