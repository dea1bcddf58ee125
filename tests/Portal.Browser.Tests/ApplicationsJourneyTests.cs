using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// The portal of the applications journey: the embedded sandbox cluster with pods that take a second and a half to
/// start (so that the app page is served before they are ready, and what follows can only have arrived live), observed
/// pod changes flushed five times a second, and a rollout called failed after two seconds of trouble instead of ninety.
/// </summary>
public sealed class ApplicationsPortalFixture()
    : PortalFixture(
        new Dictionary<string, string>
        {
            ["Portal:Sandbox:PodStartDelay"] = "00:00:01.5",
            ["Portal:Clusters:FlushInterval"] = "00:00:00.2",
            ["Portal:Applications:FailFastAfter"] = "00:00:02",
            ["Portal:Applications:RecheckEvery"] = "00:00:00.300",
        }
    );

/// <summary>
/// A developer takes an application from a container image to running: creates it (a bad image is refused next to its
/// field), deploys it to dev and watches its pod become ready live, tails its log, scales it to 3, deploys an image
/// that cannot be pulled and reads why, rolls back, compares revisions and promotes dev to prod after seeing the diff.
/// </summary>
public sealed class ApplicationsJourneyTests(ApplicationsPortalFixture portal, ITestOutputHelper output)
    : IClassFixture<ApplicationsPortalFixture>
{
    private const string Tenant = "acme";
    private const string App = "shop";
    private const string AppPath = "/t/acme/apps/shop";
    private const string Image = "nginx:1.27";
    private const string MissingImage = "registry.example.com/shop/notfound:2.0";
    private const string SecretValue = "s3cret-Passw0rd";

    private const int ExpectTimeout = 20_000;

    /// <summary>
    /// A deploy runs as a job and then a rollout in the sandbox; on a loaded 2-core CI machine that can take a while.
    /// </summary>
    private const int RolloutTimeout = 60_000;

    [SkippableFact]
    public async Task A_developer_deploys_an_application_watches_it_live_scales_it_rolls_back_a_bad_image_and_promotes_it_to_prod()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");

        // 1. A pool, a quota for the tenant and its environments dev and prod, both Ready.
        var page = await portal.NewSignedInAdminPageAsync();
        await page.ArrangeTenantWithEnvironmentsAsync(
            portal.BaseAddress,
            Tenant,
            new EnvironmentShare("4", "2Gi", "4Gi", "10Gi", "10"),
            RolloutTimeout,
            "dev",
            "prod"
        );

        // 2. The application, from the list's New application; a bad image is refused next to its field.
        await page.GotoAsync($"/t/{Tenant}/apps");
        await page.Locator("#new-application").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url($"/t/{Tenant}/apps/new"), new() { Timeout = ExpectTimeout });
        await FillApplicationAsync(page, image: "Nginx:Bad");
        await page.Locator("#save-application").ClickAsync();
        await Expect(page.Locator("[data-valmsg-for='Image']"))
            .ToContainTextAsync("lowercase", new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("#Owner")).ToHaveValueAsync("team-shop"); // what was typed stays
        await page.SaveScreenshotAsync("28-application-image-refused");

        await page.Locator("#Image").FillAsync(Image);
        await page.Locator("#save-application").ClickAsync();
        await Expect(page).ToHaveURLAsync(Url(AppPath), new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("main")).ToContainTextAsync($"working spec: {Image}");
        await Expect(page.Locator("main")).ToContainTextAsync("secret variables: DB_PASSWORD=••••••");
        await Expect(page.Locator("main")).Not.ToContainTextAsync(SecretValue);
        await Expect(page.Locator("#app-status")).ToContainTextAsync("Not deployed to any environment yet.");
        await page.SaveScreenshotAsync("29-application-created");

        // 3. Deploy to dev: the page is served before the pod runs; the pod row and the counts arrive live.
        await page.Locator("#deploy-environment").SelectOptionAsync("dev");
        // The deploy form previews first: what changes in dev, the replicas it keeps, the quota; the deploy button is
        // there.
        await page.Locator("#deploy-preview-button").ClickAsync();
        await Expect(page.Locator("#deploy-scale")).ToContainTextAsync("First deploy to dev");
        await page.SaveScreenshotAsync("29a-deploy-preview");
        await page.Locator("#deploy-note").FillAsync("first deploy");
        var served = await ServedAfterAsync(page, () => page.Locator("#deploy").ClickAsync());
        Assert.True(
            ReadyPodsIn(served) == 0,
            "The app page was served with the pod already ready: the live update would go unseen."
        );
        await MarkPageAsync(page);
        var dev = Card(page, "dev");
        await Expect(LiveState(page)).ToHaveTextAsync(new Regex("^live"), new() { Timeout = ExpectTimeout });
        await Expect(CardField(dev, "replicas"))
            .ToHaveTextAsync(new Regex(@"^\s*1 / 1\s*$"), new() { Timeout = RolloutTimeout });
        await Expect(ReadyPods(page, dev)).ToHaveCountAsync(1);
        await Expect(PodRows(dev)).ToHaveCountAsync(1);
        await Expect(PodRows(dev).Locator("[data-field=revision]")).ToHaveTextAsync("1");
        await Expect(PodRows(dev).Locator("[data-field=node]")).ToHaveTextAsync(new Regex(@"\S"));
        await Expect(CardField(dev, "state"))
            .ToHaveTextAsync(new Regex(@"^\s*Running\s*$"), new() { Timeout = RolloutTimeout });
        await Expect(CardField(dev, "revision")).ToHaveTextAsync("1");
        await AssertNotReloadedAsync(page);
        await page.SaveScreenshotAsync("30-deployed-to-dev");

        // 4. The pod's log: lines arrive in the live tail, and the last lines download as text.
        var podName = (await PodRows(dev).First.GetAttributeAsync("data-pod"))!;
        await PodRows(dev).First.Locator("a[data-field=logs]").ClickAsync();
        await Expect(page)
            .ToHaveURLAsync(
                new Regex($@"{Regex.Escape(AppPath)}/logs\?environment=dev&pod={Regex.Escape(podName)}"),
                new() { Timeout = ExpectTimeout }
            );
        var log = page.Locator("#log-lines");
        await Expect(page.Locator("#log-state")).ToHaveTextAsync("following", new() { Timeout = ExpectTimeout });
        await Expect(log).ToContainTextAsync($"(pod {podName})", new() { Timeout = ExpectTimeout });
        var linesNow = await LogLineCountAsync(page);
        // The sandbox writes a line every two seconds: a new one must arrive without the page asking again.
        await page.WaitForFunctionAsync(
            "n => document.getElementById('log-lines').textContent.split('\\n').filter(l => l).length > n",
            linesNow,
            new() { Timeout = ExpectTimeout }
        );
        await Expect(log).ToContainTextAsync("listening on :8080");
        await page.SaveScreenshotAsync("31-live-log");

        await page.Locator("#lines").FillAsync("3");
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Button, new() { Name = "Download last N lines" }).ClickAsync()
        );
        Assert.Equal($"{podName}-{App}.log", download.SuggestedFilename);
        var downloaded = await File.ReadAllLinesAsync((await download.PathAsync())!);
        Assert.InRange(downloaded.Length, 1, 3);
        Assert.All(downloaded, line => Assert.Matches(@"^\d{4}-\d\d-\d\dT\S+Z (INFO|WARN) ", line));

        // 5. Scale dev to 3 from its actions: two more pods become ready, live.
        await page.GotoAsync(AppPath);
        await OpenActionsAsync(page, "dev");
        await page.Locator("#replicas-dev").FillAsync("3");
        served = await ServedAfterAsync(page, () => page.Locator("button[data-scale=dev]").ClickAsync());
        Assert.True(
            ReadyPodsIn(served) < 3,
            "The app page was served with the 3 pods already ready: the live update would go unseen."
        );
        await MarkPageAsync(page);
        await Expect(CardField(dev, "replicas"))
            .ToHaveTextAsync(new Regex(@"^\s*3 / 3\s*$"), new() { Timeout = RolloutTimeout });
        await Expect(ReadyPods(page, dev)).ToHaveCountAsync(3, new() { Timeout = RolloutTimeout });
        await Expect(PodRows(dev)).ToHaveCountAsync(3, new() { Timeout = RolloutTimeout });
        await Expect(CardField(dev, "revision")).ToHaveTextAsync("1"); // scaling is not a new revision
        await AssertNotReloadedAsync(page);
        await page.SaveScreenshotAsync("32-scaled-to-3");

        // 6. A spec with an image that cannot be pulled, deployed to dev: the rollout fails and says why.
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit spec" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(Url($"{AppPath}/edit"), new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("#Secrets")).ToHaveValueAsync("DB_PASSWORD="); // never shown back; empty keeps it
        await page.Locator("#Image").FillAsync(MissingImage);
        await page.Locator("#save-application").ClickAsync();
        // Only the image changed: the form as served must be accepted back as it is.
        await Expect(page.Locator(".field-validation-error"))
            .ToHaveTextAsync(Array.Empty<string>(), new() { Timeout = ExpectTimeout });
        await Expect(page).ToHaveURLAsync(Url(AppPath), new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("main")).ToContainTextAsync($"working spec: {MissingImage}");

        await page.Locator("#deploy-environment").SelectOptionAsync("dev");
        // The preview says what the deploy changes in dev (the image) and that dev keeps the 3 replicas it was scaled
        // to.
        await page.Locator("#deploy-preview-button").ClickAsync();
        await Expect(page.Locator("#deploy-preview")).ToContainTextAsync(MissingImage);
        await Expect(page.Locator("#deploy-scale")).ToContainTextAsync("Keeps 3 replicas");
        await page.SaveScreenshotAsync("33a-deploy-preview-keeps-the-scale");
        await page.Locator("#deploy-note").FillAsync("move to the private registry");
        await ServedAfterAsync(page, () => page.Locator("#deploy").ClickAsync());
        await MarkPageAsync(page);
        var reason = CardField(dev, "reason");
        await Expect(reason)
            .ToContainTextAsync($"The image '{MissingImage}' cannot be pulled", new() { Timeout = RolloutTimeout });
        await Expect(reason).ToBeVisibleAsync();
        await Expect(CardField(dev, "state"))
            .ToHaveTextAsync(new Regex(@"^\s*Failed\s*$"), new() { Timeout = RolloutTimeout });
        await Expect(CardField(dev, "revision")).ToHaveTextAsync("2");
        // The failing pod says why too, while the pods of revision 1 keep serving.
        await Expect(PodRows(dev).Filter(new() { HasTextRegex = new Regex("ImagePullBackOff|ErrImagePull") }))
            .Not.ToHaveCountAsync(0);
        await Expect(ReadyPods(page, dev)).Not.ToHaveCountAsync(0);
        await AssertNotReloadedAsync(page);
        await page.SaveScreenshotAsync("33-bad-image-failed");

        await page.GotoAsync($"/t/{Tenant}/operations");
        var failed = page.Locator("#operations tr[data-operation]")
            .Filter(new() { HasText = $"{App}" })
            .Filter(new() { HasText = "cannot be pulled" });
        await Expect(failed).ToHaveCountAsync(1, new() { Timeout = ExpectTimeout });
        await Expect(failed.Locator("[data-field=state]")).ToContainTextAsync("Failed");
        await page.SaveScreenshotAsync("34-deploy-operation-failed");

        // Roll back to revision 1 from dev's actions: a new revision 3 with revision 1's spec, Running again.
        await page.GotoAsync(AppPath);
        await OpenActionsAsync(page, "dev");
        await page.Locator("#rollback-dev").SelectOptionAsync("1");
        await ServedAfterAsync(page, () => page.Locator("button[data-rollback=dev]").ClickAsync());
        await MarkPageAsync(page);
        await Expect(CardField(dev, "state"))
            .ToHaveTextAsync(new Regex(@"^\s*Running\s*$"), new() { Timeout = RolloutTimeout });
        await Expect(CardField(dev, "revision")).ToHaveTextAsync("3");
        await Expect(CardField(dev, "reason")).ToBeHiddenAsync(new() { Timeout = RolloutTimeout });
        await Expect(CardField(dev, "replicas"))
            .ToHaveTextAsync(new Regex(@"^\s*([1-9]) / \1\s*$"), new() { Timeout = RolloutTimeout });
        await Expect(PodRows(dev).Filter(new() { HasTextRegex = new Regex("ImagePullBackOff|ErrImagePull") }))
            .ToHaveCountAsync(0, new() { Timeout = RolloutTimeout });
        await Expect(
                PodRows(dev)
                    .Locator("[data-field=revision]")
                    .Filter(new() { HasNotTextRegex = new Regex(@"^\s*3\s*$") })
            )
            .ToHaveCountAsync(0, new() { Timeout = RolloutTimeout });
        await AssertNotReloadedAsync(page);
        // The working spec still names the image rolled back from: the page says so, with the diff and the way back.
        await Expect(page.Locator("[data-spec-differs=dev]")).ToContainTextAsync(MissingImage);
        await Expect(page.Locator("button[data-reset-spec=dev]")).ToBeVisibleAsync();
        await page.SaveScreenshotAsync("35-rolled-back");

        // 7. The revisions, and the diff between 1 and 2: the image changed, the secret did not show.
        await page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Revisions") }).ClickAsync();
        await Expect(page).ToHaveURLAsync(Url($"{AppPath}/revisions"), new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("#revisions tbody tr[data-revision]")).ToHaveCountAsync(3);
        await Expect(page.Locator("#revisions tr[data-revision='3'] td").Last)
            .ToHaveTextAsync(new Regex(@"^\s*dev\s*$"));
        await page.Locator("#from").SelectOptionAsync("1");
        await page.Locator("#to").SelectOptionAsync("2");
        await page.Locator("#compare").ClickAsync();
        var imageChange = page.Locator("#revision-diff table.spec-diff tbody tr")
            .Filter(new() { Has = page.Locator("th", new() { HasTextString = "Image" }) });
        await Expect(imageChange).ToHaveCountAsync(1, new() { Timeout = ExpectTimeout });
        await Expect(imageChange.Locator(".diff-before")).ToHaveTextAsync(Image);
        await Expect(imageChange.Locator(".diff-after")).ToHaveTextAsync(MissingImage);
        await Expect(page.Locator("#diff-title")).ToHaveTextAsync("Revision 1 → 2");
        await Expect(page.Locator("main")).Not.ToContainTextAsync(SecretValue);
        await page.SaveScreenshotAsync("36-revisions-diff");

        // Promote dev to prod: first what would change (all of it: nothing runs in prod), then prod runs it.
        await page.GotoAsync(AppPath);
        await page.GetByRole(AriaRole.Link, new() { Name = "Promote" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(Url($"{AppPath}/promote"), new() { Timeout = ExpectTimeout });
        await page.Locator("#from").SelectOptionAsync("dev");
        await page.Locator("#to").SelectOptionAsync("prod");
        await page.Locator("#preview").ClickAsync();
        var preview = page.Locator("#promotion-preview");
        await Expect(preview.Locator("#preview-title"))
            .ToHaveTextAsync("prod: revision none → revision 3 of dev", new() { Timeout = ExpectTimeout });
        var changes = preview.Locator("table.spec-diff tbody tr");
        await Expect(
                changes
                    .Filter(new() { Has = page.Locator("th", new() { HasTextString = "Image" }) })
                    .Locator(".diff-after")
            )
            .ToHaveTextAsync(Image);
        Assert.True(
            await changes.CountAsync() > 1,
            "The promotion to an empty environment should list every part of the spec."
        );
        await Expect(preview).ToContainTextAsync("DB_PASSWORD");
        await Expect(page.Locator("main")).Not.ToContainTextAsync(SecretValue);
        await page.SaveScreenshotAsync("37-promotion-diff");

        await ServedAfterAsync(page, () => page.Locator("#promote").ClickAsync());
        await MarkPageAsync(page);
        var prod = Card(page, "prod");
        await Expect(CardField(prod, "state"))
            .ToHaveTextAsync(new Regex(@"^\s*Running\s*$"), new() { Timeout = RolloutTimeout });
        await Expect(CardField(prod, "revision")).ToHaveTextAsync("4");
        await Expect(CardField(prod, "replicas"))
            .ToHaveTextAsync(new Regex(@"^\s*([1-9]) / \1\s*$"), new() { Timeout = RolloutTimeout });
        await Expect(ReadyPods(page, prod)).Not.ToHaveCountAsync(0, new() { Timeout = RolloutTimeout });
        await Expect(CardField(dev, "state")).ToHaveTextAsync(new Regex(@"^\s*Running\s*$"));
        await AssertNotReloadedAsync(page);
        await page.SaveScreenshotAsync("38-promoted-to-prod");

        // The list shows both environments healthy at a glance.
        await page.GotoAsync($"/t/{Tenant}/apps");
        var row = page.Locator($"#applications tr[data-application='{App}']");
        await Expect(row.Locator("span.badge[data-environment='dev']")).ToContainTextAsync("dev: Running");
        await Expect(row.Locator("span.badge[data-environment='prod']")).ToContainTextAsync("prod: Running");
    }

    // --- The application's page -----------------------------------------------------------------------------------

    private static ILocator Card(IPage page, string environment) =>
        page.Locator($"#app-status section[data-environment='{environment}']");

    /// <summary>
    /// A field of an environment's card itself (state, replicas, revision, reason), not of its pod rows.
    /// </summary>
    private static ILocator CardField(ILocator card, string field) =>
        field == "state" ? card.Locator(".card-header [data-field=state]")
        : field == "reason" ? card.Locator("p[data-field=reason]")
        : card.Locator($"dl [data-field={field}]");

    private static ILocator PodRows(ILocator card) => card.Locator("tbody[data-pods] tr[data-pod]");

    private static ILocator ReadyPods(IPage page, ILocator card) =>
        PodRows(card)
            .Filter(
                new()
                {
                    Has = page.Locator("[data-field=ready] [data-text]", new() { HasTextRegex = new Regex("^Ready$") }),
                }
            );

    private static ILocator LiveState(IPage page) => page.Locator("#app-status [data-live-state]");

    /// <summary>
    /// Clicks, follows the redirect to the application's page and answers that page as the server wrote it, before any
    /// live update touched it.
    /// </summary>
    private async Task<string> ServedAfterAsync(IPage page, Func<Task> click)
    {
        var response = await page.RunAndWaitForResponseAsync(
            click,
            r => r.Request.Method == "GET" && r.Request.IsNavigationRequest && r.Url == Url(AppPath),
            new() { Timeout = ExpectTimeout }
        );
        Assert.Equal(200, response.Status);
        await Expect(page).ToHaveURLAsync(Url(AppPath), new() { Timeout = ExpectTimeout });
        await Expect(page.Locator("#refusal")).ToHaveCountAsync(0);
        return await response.TextAsync();
    }

    /// <summary>
    /// The ready pods of the page's pod rows as served (the row template of app-live.js has no text).
    /// </summary>
    private static int ReadyPodsIn(string html) => Regex.Matches(html, "<span data-text>Ready</span>").Count;

    /// <summary>Leaves a mark in the page's window that a reload or another navigation would wipe out.</summary>
    private static Task MarkPageAsync(IPage page) =>
        page.EvaluateAsync("() => { window.journeyMark = 'still the same page'; }");

    private static async Task AssertNotReloadedAsync(IPage page) =>
        Assert.Equal("still the same page", await page.EvaluateAsync<string?>("() => window.journeyMark ?? null"));

    private static async Task OpenActionsAsync(IPage page, string environment)
    {
        var actions = page.Locator($"details[data-actions='{environment}']");
        await actions.Locator("summary").ClickAsync();
        await Expect(actions).ToHaveAttributeAsync("open", "");
    }

    private static Task<int> LogLineCountAsync(IPage page) =>
        page.EvaluateAsync<int>(
            "() => document.getElementById('log-lines').textContent.split('\\n').filter(l => l).length"
        );

    private static async Task FillApplicationAsync(IPage page, string image)
    {
        await page.Locator("#Name").FillAsync(App);
        await page.Locator("#Owner").FillAsync("team-shop");
        await page.Locator("#Description").FillAsync("The shop's storefront");
        await page.Locator("#Image").FillAsync(image);
        await page.Locator("#Port").FillAsync("http:8080");
        await page.OpenFormSectionsAsync();
        await page.Locator("#Variables").FillAsync("LOG_LEVEL=info");
        await page.Locator("#Secrets").FillAsync($"DB_PASSWORD={SecretValue}");
        await page.Locator("#CpuRequest").FillAsync("100m");
        await page.Locator("#CpuLimit").FillAsync("500m");
        await page.Locator("#MemoryRequest").FillAsync("128Mi");
        await page.Locator("#MemoryLimit").FillAsync("256Mi");
        await page.Locator("#Replicas").FillAsync("1");
        await page.Locator("#ServicePort").FillAsync("80");
    }

    private string Url(string path) => new Uri(portal.BaseAddress, path).ToString();
}
