using System.Text;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Microsoft.Playwright;
using Portal.Sandbox.Hosting;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Portal.Browser.Tests;

/// <summary>
/// The portal of the clusters journeys: no embedded sandbox (the test brings its own cluster), and observed host
/// changes flushed five times a second so that live updates show quickly.
/// </summary>
public sealed class ClustersPortalFixture()
    : PortalFixture(
        new Dictionary<string, string>
        {
            ["Portal:Sandbox:Enabled"] = "false",
            ["Portal:Clusters:FlushInterval"] = "00:00:00.2",
        }
    );

/// <summary>
/// A platform admin registers a cluster by pasting its kubeconfig, opens its hosts, and sees a host that someone
/// cordons in the cluster turn Cordoned on the open page, live. A kubeconfig that is not one is refused at the field.
/// </summary>
public sealed class ClusterHostsJourneyTests(ClustersPortalFixture portal, ITestOutputHelper output)
    : IClassFixture<ClustersPortalFixture>
{
    private const string SandboxVersion = "v1.32.0-sandbox";

    [SkippableFact]
    public async Task A_platform_admin_registers_a_cluster_by_kubeconfig_and_sees_a_host_cordoned_live()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");

        // A second sandbox cluster, started apart from the portal: the cluster the admin was handed a kubeconfig for.
        await using var sandbox = await SandboxCluster.StartAsync(new SandboxOptions { NodeCount = 3 });
        using var kubernetes = new Kubernetes(
            KubernetesClientConfiguration.BuildConfigFromConfigFile(
                new MemoryStream(Encoding.UTF8.GetBytes(sandbox.Kubeconfig))
            )
        );
        var nodes = (await kubernetes.CoreV1.ListNodeAsync())
            .Items.Select(node => node.Metadata.Name)
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(3, nodes.Count);

        var admin = await portal.NewSignedInAdminPageAsync();

        // They paste the kubeconfig into the register form, with the name "pasted".
        await admin.GotoAsync("/admin/clusters");
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Clusters & Hosts");
        await admin.Locator("#Form_Name").FillAsync("pasted");
        await admin.Locator("#Form_DisplayName").FillAsync("Pasted sandbox");
        await admin.Locator("#Form_Kubeconfig").FillAsync(sandbox.Kubeconfig);
        await admin.SaveScreenshotAsync("13-register-cluster");
        await admin.Locator("#register-cluster").ClickAsync();

        // The portal reached the cluster before keeping it: healthy, with its Kubernetes version.
        await Expect(admin).ToHaveURLAsync(Url("/admin/clusters/pasted"));
        await Expect(admin.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Pasted sandbox");
        await Expect(admin.GetByRole(AriaRole.Status))
            .ToContainTextAsync($"Cluster 'pasted' is registered: Kubernetes {SandboxVersion}.");
        await Expect(admin.Locator("main .badge").GetByText("Healthy", new() { Exact = true })).ToBeVisibleAsync();
        await Expect(admin.Locator("dt:text-is('Kubernetes') + dd")).ToHaveTextAsync(SandboxVersion);
        await Expect(admin.Locator("dt:text-is('API server') + dd"))
            .ToHaveTextAsync(sandbox.BaseAddress.GetLeftPart(UriPartial.Authority));
        await admin.SaveScreenshotAsync("14-cluster-registered");

        // Its hosts: the watch writes them a moment after the registration, so the page is reloaded until they are
        // there.
        await admin.Locator("#hosts-link").ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url("/admin/clusters/pasted/hosts"));
        await admin.ReloadUntilCountAsync(admin.Locator("#hosts tbody tr[data-host]"), nodes.Count);
        foreach (var node in nodes)
            await Expect(Status(admin, node)).ToHaveTextAsync("Ready");

        // From here on the page is not reloaded: what changes in the cluster comes over SignalR.
        await Expect(admin.Locator("#live-state")).ToHaveTextAsync(new Regex("^live"));
        await admin.EvaluateAsync("() => { window.notReloaded = true; }");
        await admin.SaveScreenshotAsync("15-hosts-live");

        // Someone cordons the second node in the cluster itself, not through the portal.
        var cordoned = nodes[1];
        await kubernetes.CoreV1.PatchNodeAsync(
            new V1Patch("{\"spec\":{\"unschedulable\":true}}", V1Patch.PatchType.MergePatch),
            cordoned
        );

        await Expect(Status(admin, cordoned)).ToHaveTextAsync(new Regex(@"^\s*Ready\s+Cordoned\s*$"));
        await Expect(admin.Locator("#live-state")).ToHaveTextAsync(new Regex("^live · updated"));
        foreach (var node in nodes.Where(node => node != cordoned))
            await Expect(Status(admin, node)).ToHaveTextAsync("Ready");
        Assert.True(
            await admin.EvaluateAsync<bool>("() => window.notReloaded === true"),
            "The hosts page was reloaded."
        );
        await admin.SaveScreenshotAsync("16-host-cordoned-live");

        // Done with it, they remove the cluster from the portal, which stops watching it; the cluster itself stays.
        await admin.GotoAsync("/admin/clusters/pasted");
        await admin.Locator("#confirmName").FillAsync("pasted");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Remove", Exact = true }).ClickAsync();
        await Expect(admin).ToHaveURLAsync(Url("/admin/clusters"));
        await Expect(admin.GetByRole(AriaRole.Status))
            .ToContainTextAsync("Cluster 'pasted' was removed from the portal");
        await Expect(admin.Locator("#clusters a[href='/admin/clusters/pasted']")).ToHaveCountAsync(0);
        Assert.Equal(3, (await kubernetes.CoreV1.ListNodeAsync()).Items.Count);
        await admin.SaveScreenshotAsync("17-cluster-removed");
    }

    [SkippableFact]
    public async Task A_kubeconfig_that_is_not_one_is_refused_at_the_field_and_no_cluster_is_added()
    {
        PortalFixture.RequireChromium();
        output.WriteLine($"Screenshots: {PortalFixture.ScreenshotFolder}");

        var admin = await portal.NewSignedInAdminPageAsync();
        await admin.GotoAsync("/admin/clusters");
        await admin.Locator("#Form_Name").FillAsync("garbage");
        await admin.Locator("#Form_Kubeconfig").FillAsync("this: is: not [a kubeconfig");
        await admin.Locator("#register-cluster").ClickAsync();

        // The form comes back with the reason under the kubeconfig field.
        await Expect(admin.Locator("[data-valmsg-for='Form.Kubeconfig']"))
            .ToContainTextAsync("This is not a readable kubeconfig");
        await Expect(admin.Locator("#Form_Name")).ToHaveValueAsync("garbage");
        await Expect(admin.Locator("#Form_Kubeconfig")).ToHaveValueAsync("");
        await Expect(admin.Locator("#clusters a[href='/admin/clusters/garbage']")).ToHaveCountAsync(0);
        await admin.SaveScreenshotAsync("18-bad-kubeconfig");

        // Nothing was kept.
        await admin.GotoAsync("/admin/clusters");
        await Expect(admin.Locator("#clusters")).ToBeVisibleAsync();
        await Expect(admin.Locator("#clusters a[href='/admin/clusters/garbage']")).ToHaveCountAsync(0);
        var detail = await admin.GotoAsync("/admin/clusters/garbage");
        Assert.Equal(404, detail?.Status);
    }

    /// <summary>The status badges of a host's row, e.g. "Ready Cordoned".</summary>
    private static ILocator Status(IPage page, string host) =>
        page.Locator($"#hosts tr[data-host='{host}'] [data-field=status]");

    private string Url(string path) => new Uri(portal.BaseAddress, path).ToString();
}
