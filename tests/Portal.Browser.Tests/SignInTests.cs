using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

public sealed class SignInTests(PortalFixture portal, ITestOutputHelper output) : IClassFixture<PortalFixture>
{
    [SkippableFact]
    public async Task A_signed_out_visitor_is_sent_to_sign_in_and_a_wrong_password_is_refused()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");

        var page = await portal.NewSignedOutPageAsync();
        await page.GotoAsync("/");
        await Expect(page).ToHaveURLAsync(new Regex("/account/login\\?ReturnUrl=%2F$"));
        await Expect(page.Locator("#sign-in")).ToBeVisibleAsync();
        await page.SaveScreenshotAsync("11-start-page-signed-out");

        await page.SignInAsync(PortalServer.AdminEmail, "Wrong-Passw0rd");
        await Expect(page.GetByRole(AriaRole.Alert)).ToHaveTextAsync("The email or the password is wrong.");
        await Expect(page.Locator("#user-menu")).ToHaveCountAsync(0);
        await page.SaveScreenshotAsync("12-wrong-password");
    }
}
