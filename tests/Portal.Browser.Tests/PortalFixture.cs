using Microsoft.Playwright;

namespace Portal.Browser.Tests;

/// <summary>
/// One portal and one headless Chromium per test class. The system Chromium is used; no browser is ever downloaded.
/// A test class that needs other portal settings derives its own fixture and passes them to the base constructor.
/// </summary>
public class PortalFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IReadOnlyDictionary<string, string>? _settings;
    private readonly Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? _services;

    public PortalFixture() { }

    /// <summary>
    /// A portal with <paramref name="settings"/> on top of <see cref="PortalServer"/>'s own, and
    /// <paramref name="services"/> in place of its own.
    /// </summary>
    protected PortalFixture(
        IReadOnlyDictionary<string, string> settings,
        Action<Microsoft.Extensions.DependencyInjection.IServiceCollection>? services = null
    )
    {
        _settings = settings;
        _services = services;
    }

    /// <summary>Screenshots taken along the journeys, kept as test artifacts.</summary>
    public static readonly string ScreenshotFolder = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");

    private PortalServer? _server;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private Uri? _baseAddress;

    /// <summary>Where the portal listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException("The portal was not started.");

    /// <summary>
    /// The portal's services, for journeys that drive its jobs' clock (e.g. sampling the next minutes now).
    /// </summary>
    public IServiceProvider Services =>
        _server?.Services ?? throw new InvalidOperationException("The portal was not started.");

    private IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium was not started.");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            return; // Each test reports it, with RequireChromium.

        _server = new PortalServer(_settings, _services);
        _baseAddress = _server.Start();
        Assertions.SetDefaultExpectTimeout(15_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(
            new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args =
                [
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ],
            }
        );
        Directory.CreateDirectory(ScreenshotFolder);
    }

    /// <summary>
    /// Fails on CI, where Chromium must be installed, and skips the test elsewhere when it is missing.
    /// </summary>
    public static void RequireChromium()
    {
        if (File.Exists(ChromiumPath))
            return;
        var message = $"The browser tests need Chromium at {ChromiumPath}; install it (e.g. apt-get install chromium).";
        if (Environment.GetEnvironmentVariable("CI") == "true")
            Assert.Fail(message);
        Skip.If(true, message);
    }

    /// <summary>A page in a new browser context: its own cookies, so a new context is a signed-out user.</summary>
    /// <summary>A page signed in as the platform admin.</summary>
    public async Task<IPage> NewSignedInAdminPageAsync()
    {
        var admin = await NewSignedOutPageAsync();
        await admin.GotoAsync("/account/login");
        await admin.SignInAsync(PortalServer.AdminEmail, PortalServer.AdminPassword);
        await Microsoft
            .Playwright.Assertions.Expect(admin.Locator("#user-menu"))
            .ToBeVisibleAsync(new() { Timeout = 20_000 });
        return admin;
    }

    public async Task<IPage> NewSignedOutPageAsync()
    {
        var context = await Browser.NewContextAsync(
            new BrowserNewContextOptions
            {
                BaseURL = BaseAddress.ToString(),
                ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            }
        );
        return await context.NewPageAsync();
    }

    public virtual async Task DisposeAsync()
    {
        if (_browser is not null)
            await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_server is not null)
            await _server.DisposeAsync();
    }
}
