using System.Diagnostics;
using System.Globalization;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clouds.Providers.BareMetal;

namespace Portal.Infrastructure.Tests.Clouds.BareMetal;

/// <summary>
/// Machines claimed, found, bootstrapped and freed, against two real sshd processes on 127.0.0.1 (two ports, two host
/// keys, one client key): two machines with a HOME each, so that each has its own claim marker, as two computers do.
/// </summary>
public sealed class BareMetalMachineScenarios
{
    private readonly InMemoryHostKeyPins _pins = new();

    [SkippableFact]
    public async Task Machines_are_claimed_once_per_host_until_none_is_left()
    {
        LocalSshServer.RequireSshd();
        await using var first = await LocalSshServer.StartAsync();
        await using var second = await LocalSshServer.StartAsync();
        await second.AuthorizeAsync(first.ClientPublicKey);
        var access = BareMetalAccounts.For([first, second]);
        var provider = BareMetalAccounts.Provider(_pins);
        var size = await ThisMachineSizeAsync();

        Assert.Equal("2 machines reachable", await provider.CheckAsync(access, CancellationToken.None));
        var catalog = await provider.CatalogAsync(access, CancellationToken.None);
        Assert.Equal(size, Assert.Single(catalog.InstanceTypes).Name);
        Assert.Empty(catalog.Zones);
        Assert.Equal(2, (await provider.QuotaAsync(access, CancellationToken.None)).InstancesLeft);

        var a = await provider.CreateAsync(access, BareMetalAccounts.Spec("host-a", size), CancellationToken.None);
        Assert.Equal(first.Address, a.Id);
        Assert.Equal(CloudInstanceState.Running, a.State);
        Assert.Equal("host-host-a", a.Name);
        Assert.Equal("host-a", a.HostTag);
        Assert.Equal("gpu-pool", a.Tags[CloudTags.Pool]);
        Assert.Contains("portal-host=host-a", File.ReadAllText(MarkerOf(first)), StringComparison.Ordinal);

        var found = await provider.FindByHostTagAsync(access, "host-a", CancellationToken.None);
        Assert.Equal(a.Id, found?.Id);
        Assert.Equal("host-a", found?.HostTag);
        Assert.Null(await provider.FindByHostTagAsync(access, "host-b", CancellationToken.None));

        var again = await provider.CreateAsync(access, BareMetalAccounts.Spec("host-a"), CancellationToken.None);
        Assert.Equal(a.Id, again.Id);
        Assert.False(File.Exists(MarkerOf(second)));
        var quota = await provider.QuotaAsync(access, CancellationToken.None);
        Assert.Equal(1, quota.InstancesLeft);
        Assert.Equal(int.Parse(size.Split(' ')[0], CultureInfo.InvariantCulture), quota.CpusLeft);

        var b = await provider.CreateAsync(access, BareMetalAccounts.Spec("host-b"), CancellationToken.None);
        Assert.Equal(second.Address, b.Id);
        Assert.Contains("portal-host=host-b", File.ReadAllText(MarkerOf(second)), StringComparison.Ordinal);
        Assert.Equal(0, (await provider.QuotaAsync(access, CancellationToken.None)).InstancesLeft);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            provider.CreateAsync(access, BareMetalAccounts.Spec("host-c"), CancellationToken.None)
        );
        Assert.Equal(CloudRefusalKind.Quota, refusal.Kind);
        Assert.Equal("No free machine left: 2 of 2 machines are claimed (2 machines listed)", refusal.Message);

        var managed = await provider.ListManagedAsync(access, CancellationToken.None);
        Assert.Equal(["host-a", "host-b"], managed.Select(i => i.HostTag).Order());
        Assert.Equal([first.Address, second.Address], managed.OrderBy(i => i.HostTag).Select(i => i.Id));
    }

    [SkippableFact]
    public async Task Of_two_hosts_claiming_the_last_machine_at_once_one_wins_and_the_other_is_refused()
    {
        LocalSshServer.RequireSshd();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server]);
        var provider = BareMetalAccounts.Provider(_pins);
        await provider.CheckAsync(access, CancellationToken.None);

        var claims = await Task.WhenAll(
            new[] { "host-a", "host-b" }.Select(async tag =>
            {
                try
                {
                    return await provider.CreateAsync(access, BareMetalAccounts.Spec(tag), CancellationToken.None);
                }
                catch (CloudRefusal refusal) when (refusal.Kind == CloudRefusalKind.Quota)
                {
                    return (CloudInstance?)null;
                }
            })
        );

        var winner = Assert.Single(claims, c => c is not null);
        Assert.Single(claims, c => c is null);
        Assert.Contains(
            $"portal-host={winner!.HostTag}\n",
            File.ReadAllText(MarkerOf(server)),
            StringComparison.Ordinal
        );
        Assert.Equal(
            [".developer-center/host"],
            Directory
                .GetFiles(Path.Combine(server.Home, ".developer-center"))
                .Select(f => Path.GetRelativePath(server.Home, f))
        );
    }

    [SkippableFact]
    public async Task A_size_no_machine_has_is_refused_with_the_sizes_there_are()
    {
        LocalSshServer.RequireSshd();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server]);
        var size = await ThisMachineSizeAsync();

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            BareMetalAccounts
                .Provider(_pins)
                .CreateAsync(access, BareMetalAccounts.Spec("host-a", "512 CPU / 2048.0 GiB"), CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
        Assert.Equal($"No listed machine is of size 512 CPU / 2048.0 GiB; the sizes are: {size}", refusal.Message);
        Assert.False(File.Exists(MarkerOf(server)));
    }

    [SkippableFact]
    public async Task The_join_script_runs_on_the_claimed_machine()
    {
        LocalSshServer.RequireSshd();
        await LocalSshServer.RequireRootOrSudoAsync();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server]);
        var provider = BareMetalAccounts.Provider(_pins);
        var instance = await provider.CreateAsync(access, BareMetalAccounts.Spec("host-a"), CancellationToken.None);

        var joined = Path.Combine(server.Home, "joined");

        await provider.RunScriptAsync(
            access,
            instance,
            $"set -e\nprintf 'joined as %s\\n' \"$(id -un)\" > '{joined}'\n",
            CancellationToken.None
        );

        Assert.Equal("joined as root\n", File.ReadAllText(joined));
    }

    [SkippableFact]
    public async Task A_failing_join_script_is_refused_with_its_exit_code_and_its_last_lines()
    {
        LocalSshServer.RequireSshd();
        await LocalSshServer.RequireRootOrSudoAsync();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server]);
        var provider = BareMetalAccounts.Provider(_pins);
        var instance = await provider.CreateAsync(access, BareMetalAccounts.Spec("host-a"), CancellationToken.None);
        const string Script = """
            for i in $(seq 1 30); do echo "preflight $i"; done
            echo "[ERROR FileAvailable--etc-kubernetes-kubelet.conf]: /etc/kubernetes/kubelet.conf already exists" >&2
            exit 3
            """;

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            provider.RunScriptAsync(access, instance, Script, CancellationToken.None)
        );

        Assert.Equal(CloudRefusalKind.Invalid, refusal.Kind);
        Assert.StartsWith($"The script on {server.Address} (machine-1) failed with exit code 3.", refusal.Message);
        Assert.Contains("preflight 30", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("preflight 10\n", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("kubelet.conf already exists", refusal.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_join_script_and_its_token_reach_neither_the_log_nor_the_refusal()
    {
        LocalSshServer.RequireSshd();
        await LocalSshServer.RequireRootOrSudoAsync();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server]);
        var log = new RecordedLog<BareMetalProvider>();
        var provider = BareMetalAccounts.Provider(_pins, logger: log);
        var instance = await provider.CreateAsync(access, BareMetalAccounts.Spec("host-a"), CancellationToken.None);
        const string Token = "abcdef.0123456789abcdef";

        await provider.RunScriptAsync(access, instance, $"token='{Token}'\necho joined\n", CancellationToken.None);
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            provider.RunScriptAsync(access, instance, $"token='{Token}'\necho failed\nexit 1\n", CancellationToken.None)
        );

        Assert.Contains(log.Entries, e => e.Contains("The script ran on machine", StringComparison.Ordinal));
        Assert.DoesNotContain(log.Entries, e => e.Contains(Token, StringComparison.Ordinal));
        Assert.Contains("failed", refusal.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, refusal.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_script_that_outlives_its_time_bound_is_stopped_and_refused()
    {
        LocalSshServer.RequireSshd();
        await LocalSshServer.RequireRootOrSudoAsync();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server]);
        var bounded = BareMetalAccounts.Provider(_pins, scriptTimeout: TimeSpan.FromSeconds(2));
        var instance = await bounded.CreateAsync(access, BareMetalAccounts.Spec("host-a"), CancellationToken.None);
        var watch = Stopwatch.StartNew();

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            bounded.RunScriptAsync(access, instance, "echo waiting\nsleep 60\n", CancellationToken.None)
        );

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
        Assert.Equal(CloudRefusalKind.Unavailable, refusal.Kind);
        Assert.StartsWith($"The script on {server.Address} (machine-1) did not finish in time.", refusal.Message);
    }

    [SkippableFact]
    public async Task Terminate_runs_the_reset_script_then_frees_the_machine()
    {
        LocalSshServer.RequireSshd();
        await LocalSshServer.RequireRootOrSudoAsync();
        await using var server = await LocalSshServer.StartAsync();
        var reset = Path.Combine(server.Home, "reset");
        var access = BareMetalAccounts.For([server], resetScript: $"echo \"reset by $(id -un)\" > '{reset}'\n");
        var provider = BareMetalAccounts.Provider(_pins);
        var instance = await provider.CreateAsync(access, BareMetalAccounts.Spec("host-a"), CancellationToken.None);
        Assert.Equal(
            CloudInstanceState.Running,
            (await provider.GetAsync(access, instance.Id, CancellationToken.None))?.State
        );

        await provider.TerminateAsync(access, instance.Id, CancellationToken.None);

        Assert.Equal("reset by root\n", File.ReadAllText(reset));
        Assert.False(File.Exists(MarkerOf(server)));
        Assert.Null(await provider.GetAsync(access, instance.Id, CancellationToken.None));
        Assert.Equal(1, (await provider.QuotaAsync(access, CancellationToken.None)).InstancesLeft);
        File.Delete(reset);
        await provider.TerminateAsync(access, instance.Id, CancellationToken.None);
        Assert.False(File.Exists(reset));
    }

    [SkippableFact]
    public async Task A_failing_reset_script_keeps_the_machine_claimed()
    {
        LocalSshServer.RequireSshd();
        await LocalSshServer.RequireRootOrSudoAsync();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server], resetScript: "echo 'cannot drain' >&2\nexit 5\n");
        var provider = BareMetalAccounts.Provider(_pins);
        var instance = await provider.CreateAsync(access, BareMetalAccounts.Spec("host-a"), CancellationToken.None);

        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            provider.TerminateAsync(access, instance.Id, CancellationToken.None)
        );

        Assert.StartsWith(
            $"The reset script on {server.Address} (machine-1) failed with exit code 5.",
            refusal.Message
        );
        Assert.Contains("cannot drain", refusal.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(MarkerOf(server)));
    }

    [SkippableFact]
    public async Task A_claimed_machine_that_stops_answering_is_reported_failed_with_the_reason()
    {
        LocalSshServer.RequireSshd();
        await using var server = await LocalSshServer.StartAsync();
        var access = BareMetalAccounts.For([server]);
        var provider = BareMetalAccounts.Provider(_pins);
        var instance = await provider.CreateAsync(access, BareMetalAccounts.Spec("host-a"), CancellationToken.None);

        await server.StopAsync();
        var seen = await provider.GetAsync(access, instance.Id, CancellationToken.None);
        var refusal = await Assert.ThrowsAsync<CloudRefusal>(() =>
            provider.FindByHostTagAsync(access, "host-b", CancellationToken.None)
        );

        Assert.Equal(CloudInstanceState.Failed, seen?.State);
        Assert.StartsWith($"{server.Address}: ", seen?.StateReason);
        Assert.Equal(CloudRefusalKind.Unavailable, refusal.Kind);
    }

    private static string MarkerOf(LocalSshServer server) => Path.Combine(server.Home, ".developer-center", "host");

    /// <summary>The size the provider should read from this machine, computed from nproc and /proc/meminfo.</summary>
    private static async Task<string> ThisMachineSizeAsync()
    {
        using var nproc = Process.Start(new ProcessStartInfo("nproc") { RedirectStandardOutput = true })!;
        var cpus = int.Parse((await nproc.StandardOutput.ReadToEndAsync()).Trim(), CultureInfo.InvariantCulture);
        await nproc.WaitForExitAsync();
        var memTotal = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kib = long.Parse(
            memTotal.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1],
            CultureInfo.InvariantCulture
        );
        return string.Create(CultureInfo.InvariantCulture, $"{cpus} CPU / {kib / 1048576.0:0.0} GiB");
    }
}
