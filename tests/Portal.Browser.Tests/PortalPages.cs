using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>What a user does on the portal's pages, in the words of the journeys.</summary>
public static class PortalPages
{
    public static async Task SignInAsync(this IPage page, string email, string password)
    {
        await page.Locator("#Email").FillAsync(email);
        await page.Locator("#Password").FillAsync(password);
        await page.Locator("#sign-in").ClickAsync();
    }

    /// <summary>Saves a full-page screenshot of the page as <c>artifacts/screenshots/{name}.png</c>.</summary>
    public static Task SaveScreenshotAsync(this IPage page, string name) =>
        page.ScreenshotAsync(
            new PageScreenshotOptions
            {
                Path = Path.Combine(PortalFixture.ScreenshotFolder, $"{name}.png"),
                FullPage = true,
            }
        );

    /// <summary>
    /// Opens the closed advanced sections of the application form, so that their fields can be filled in.
    /// </summary>
    public static async Task OpenFormSectionsAsync(this IPage page)
    {
        var closed = page.Locator("details.form-section:not([open]) > summary");
        while (await closed.CountAsync() > 0)
            await closed.First.ClickAsync();
    }

    public static ILocator AuditRow(this IPage page, string action) =>
        page.Locator("#audit tbody tr")
            .Filter(
                new LocatorFilterOptions
                {
                    Has = page.Locator("td code").GetByText(action, new LocatorGetByTextOptions { Exact = true }),
                }
            );

    /// <summary>The cell of an audit row under the column header <paramref name="column"/>.</summary>
    public static async Task<ILocator> AuditCellAsync(this IPage page, ILocator row, string column)
    {
        var headers = await page.Locator("#audit thead th").AllInnerTextsAsync();
        var index = headers.ToList().FindIndex(header => header.Trim() == column);
        if (index < 0)
            throw new InvalidOperationException(
                $"The audit table has no column '{column}', only: {string.Join(", ", headers)}."
            );
        return row.Locator("td").Nth(index);
    }

    /// <summary>
    /// Reloads the page until <paramref name="locator"/> matches <paramref name="count"/> elements, for what a page
    /// shows only as of its rendering (e.g. hosts written a moment after the page was served). Each look waits up to a
    /// second before the next reload; the last one fails with Playwright's own message.
    /// </summary>
    public static async Task ReloadUntilCountAsync(this IPage page, ILocator locator, int count, int timeoutMs = 15_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            try
            {
                await Expect(locator)
                    .ToHaveCountAsync(count, new LocatorAssertionsToHaveCountOptions { Timeout = 1_000 });
                return;
            }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline)
            {
                await page.ReloadAsync();
            }
        }
    }

    /// <summary>
    /// Reloads the page until <paramref name="locator"/> has exactly <paramref name="text"/>, for what a page shows
    /// only as of its rendering (e.g. a pool's capacity once its hosts are seen, an environment once its operation is
    /// done).
    /// </summary>
    public static async Task ReloadUntilTextAsync(
        this IPage page,
        ILocator locator,
        string text,
        int timeoutMs = 20_000
    )
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            try
            {
                await Expect(locator)
                    .ToHaveTextAsync(new Regex($@"^\s*{Regex.Escape(text)}\s*$"), new() { Timeout = 1_000 });
                return;
            }
            catch (PlaywrightException) when (DateTime.UtcNow < deadline)
            {
                await page.ReloadAsync();
            }
        }
    }
}
