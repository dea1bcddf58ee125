using System.Globalization;
using Microsoft.Extensions.Logging;
using Portal.Domain.Clouds;

namespace Portal.Infrastructure.Clouds.Providers.BareMetal;

/// <summary>
/// Bare metal: machines the admin lists by address, reached over SSH. A machine is an instance whose id is its
/// address; it is claimed for a host by a marker file in the login user's home (<see cref="ClaimMarker"/>), and freed
/// by running the reset script and removing the marker. Every connection checks the machine's host key against its pin
/// first. Machines are visited one after the other, so that the pins' store sees one call at a time.
/// </summary>
public sealed class BareMetalProvider(ISshHostKeyPins pins, TimeProvider time, ILogger<BareMetalProvider> logger)
    : ICloudProvider,
        IBootstrapsOverSsh
{
    public const string MachinesField = "Machines";
    public const string UserNameField = "UserName";
    public const string ResetScriptField = "ResetScript";
    public const string PrivateKeyField = "PrivateKey";
    public const string KeyPassphraseField = "KeyPassphrase";
    public const string PasswordField = "Password";

    /// <summary>The only region: bare metal has none.</summary>
    public const string Region = "default";

    private const int LastLines = 20;
    private static readonly TimeSpan MarkerTimeout = TimeSpan.FromMinutes(1);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the join and reset scripts may run.</summary>
    public TimeSpan ScriptTimeout { get; init; } = TimeSpan.FromMinutes(20);

    public CloudKind Kind => CloudKind.BareMetal;

    public IReadOnlyList<CloudField> Fields { get; } =
    [
        new(
            MachinesField,
            "Machines",
            Secret: false,
            Required: true,
            "One machine per line: address[:port] (port 22 by default), optionally followed by \" # name\".",
            Multiline: true
        ),
        new(
            UserNameField,
            "User name",
            Secret: false,
            Required: true,
            "The user the portal logs in as on every machine. The join and reset scripts run as root: directly when "
                + "this is root, through \"sudo -n\" otherwise."
        ),
        new(
            ResetScriptField,
            "Reset script",
            Secret: false,
            Required: false,
            "Run as root on a machine when its host is decommissioned, before the machine is freed. Empty: reset "
                + "the kubeadm node (kubeadm reset -f if kubeadm is there), remove /etc/kubernetes and /etc/cni/net.d.",
            Multiline: true
        ),
        new(
            PrivateKeyField,
            "Private key",
            Secret: true,
            Required: false,
            "The login key, as OpenSSH or PEM text. Give a private key, a password or both.",
            Multiline: true
        ),
        new(
            KeyPassphraseField,
            "Key passphrase",
            Secret: true,
            Required: false,
            "The private key's passphrase, if any."
        ),
        new(PasswordField, "Password", Secret: true, Required: false, "The login password, if the machines take one."),
    ];

    public async Task<string> CheckAsync(CloudAccess access, CancellationToken ct)
    {
        var survey = await SurveyAsync(access, ct);
        if (survey.Unreachable.Count > 0)
            throw survey.Refusal(
                $"{survey.Unreachable.Count} of {survey.Count} machines could not be used",
                "MachinesUnreachable"
            );
        return survey.Count == 1 ? "1 machine reachable" : $"{survey.Count} machines reachable";
    }

    public async Task<CloudCatalog> CatalogAsync(CloudAccess access, CancellationToken ct)
    {
        var survey = await SurveyAsync(access, ct);
        if (survey.Reachable.Count == 0)
            throw survey.Refusal("No machine could be reached to read its size", "MachinesUnreachable");
        WarnOfUnreachable(survey, "their sizes are left out of the catalog");
        var sizes = survey
            .Reachable.Select(m => m.State.Size)
            .DistinctBy(s => s.Name)
            .OrderBy(s => s.Cpus)
            .ThenBy(s => s.MemoryMiB)
            .ToList();
        return new CloudCatalog([], sizes, [], [], [], [], []);
    }

    public async Task<CloudQuota> QuotaAsync(CloudAccess access, CancellationToken ct)
    {
        var survey = await SurveyAsync(access, ct);
        WarnOfUnreachable(survey, "they are not counted as free");
        var free = survey.Reachable.Where(m => m.State.Marker is null).ToList();
        return new CloudQuota(free.Count, free.Sum(m => m.State.Cpus));
    }

    public async Task<CloudInstance> CreateAsync(CloudAccess access, InstanceSpec spec, CancellationToken ct)
    {
        var marker = ClaimMarker.For(spec, time.GetUtcNow());
        var survey = await SurveyAsync(access, ct);
        if (survey.Holding(spec.HostTag) is { } held)
            return held;
        if (survey.Unreachable.Count > 0)
            throw survey.Refusal(
                $"No reachable machine holds host {spec.HostTag}, and one that cannot be reached might: no machine "
                    + "is claimed until every listed machine answers",
                "MachinesUnreachable"
            );
        var size = spec.InstanceType.Trim();
        var sized =
            size.Length == 0 ? survey.Reachable : survey.Reachable.Where(m => m.State.Size.Name == size).ToList();
        if (sized.Count == 0)
            throw new CloudRefusal(
                CloudRefusalKind.Invalid,
                $"No listed machine is of size {size}; the sizes are: "
                    + string.Join(", ", survey.Reachable.Select(m => m.State.Size.Name).Distinct()),
                "NoSuchSize"
            );
        foreach (var candidate in sized.Where(m => m.State.Marker is null))
        {
            using var shell = await OpenAsync(access, candidate.Machine, ct);
            var run = await shell.RunAsync(MachineScripts.AsLoginUser, MachineScripts.Claim(marker), MarkerTimeout, ct);
            if (!run.Succeeded)
                throw ScriptFailed("The claim", candidate.Machine, run);
            var outcome = run.Output.ReplaceLineEndings("\n");
            if (outcome.StartsWith(MachineScripts.Claimed + "\n", StringComparison.Ordinal))
            {
                logger.LogInformation(
                    "Machine {Machine} claimed for host {HostTag}",
                    candidate.Machine.Label,
                    spec.HostTag
                );
                return Instance(candidate.Machine, candidate.State with { Marker = marker });
            }
            var first = ClaimMarker.Parse(outcome);
            if (first.HostTag == spec.HostTag)
                return Instance(candidate.Machine, candidate.State with { Marker = first });
        }
        var (of, such) = size.Length == 0 ? ("", "") : ($" of size {size}", " such");
        throw new CloudRefusal(
            CloudRefusalKind.Quota,
            $"No free machine{of} left: {sized.Count} of {sized.Count}{such} machines are claimed "
                + $"({survey.Count} machines listed)",
            "NoFreeMachine"
        );
    }

    public async Task<CloudInstance?> FindByHostTagAsync(CloudAccess access, string hostTag, CancellationToken ct)
    {
        var survey = await SurveyAsync(access, ct);
        if (survey.Holding(hostTag) is { } held)
            return held;
        if (survey.Unreachable.Count > 0)
            throw survey.Refusal(
                $"No reachable machine holds host {hostTag}, but one that cannot be reached might",
                "MachinesUnreachable"
            );
        return null;
    }

    public async Task<CloudInstance?> GetAsync(CloudAccess access, string instanceId, CancellationToken ct)
    {
        if (Listed(access, instanceId) is not { } machine)
            return null;
        try
        {
            using var shell = await OpenAsync(access, machine, ct);
            var state = await DescribeAsync(shell, ct);
            return state.Marker is null ? null : Instance(machine, state);
        }
        catch (CloudRefusal refusal)
        {
            return new CloudInstance(
                machine.Address,
                machine.Name ?? machine.Address,
                CloudInstanceState.Failed,
                machine.Host,
                null,
                "",
                "",
                new Dictionary<string, string>(),
                null,
                refusal.Message
            );
        }
    }

    public async Task TerminateAsync(CloudAccess access, string instanceId, CancellationToken ct)
    {
        if (Listed(access, instanceId) is not { } machine)
            return;
        using var shell = await OpenAsync(access, machine, ct);
        var state = await DescribeAsync(shell, ct);
        if (state.Marker is null)
            return;
        var script = access.Setting(ResetScriptField);
        var reset = await shell.RunAsync(
            MachineScripts.AsRoot,
            string.IsNullOrWhiteSpace(script) ? MachineScripts.DefaultReset : script,
            ScriptTimeout,
            ct
        );
        if (!reset.Succeeded)
            throw ScriptFailed("The reset script", machine, reset);
        var release = await shell.RunAsync(MachineScripts.AsLoginUser, MachineScripts.Release, MarkerTimeout, ct);
        if (!release.Succeeded)
            throw ScriptFailed("The release", machine, release);
        logger.LogInformation(
            "Machine {Machine} of host {HostTag} reset and freed: {Output}",
            machine.Label,
            state.Marker.HostTag,
            Tail(reset.Output)
        );
    }

    public async Task<IReadOnlyList<CloudInstance>> ListManagedAsync(CloudAccess access, CancellationToken ct)
    {
        var survey = await SurveyAsync(access, ct);
        WarnOfUnreachable(survey, "their hosts are left out of the managed instances");
        return
        [
            .. survey
                .Reachable.Where(m => m.State.Marker is { ManagedByPortal: true })
                .Select(m => Instance(m.Machine, m.State)),
        ];
    }

    public async Task RunScriptAsync(CloudAccess access, CloudInstance instance, string script, CancellationToken ct)
    {
        var machine = Listed(access, instance.Id)
            ?? throw new CloudRefusal(
                CloudRefusalKind.Invalid,
                $"{instance.Id} is not one of the account's machines",
                "NoSuchMachine"
            );
        using var shell = await OpenAsync(access, machine, ct);
        var run = await shell.RunAsync(MachineScripts.AsRoot, script, ScriptTimeout, ct);
        if (!run.Succeeded)
            throw ScriptFailed("The script", machine, run);
        logger.LogInformation("The script ran on machine {Machine}", machine.Label);
    }

    private async Task<Survey> SurveyAsync(CloudAccess access, CancellationToken ct)
    {
        var reachable = new List<SurveyedMachine>();
        var unreachable = new List<CloudRefusal>();
        foreach (var machine in Machines(access))
        {
            try
            {
                using var shell = await OpenAsync(access, machine, ct);
                reachable.Add(new SurveyedMachine(machine, await DescribeAsync(shell, ct)));
            }
            catch (CloudRefusal refusal) when (!MachineShell.IsAboutTheAccount(refusal))
            {
                unreachable.Add(refusal);
            }
        }
        return new Survey(reachable, unreachable);
    }

    private static async Task<MachineState> DescribeAsync(MachineShell shell, CancellationToken ct)
    {
        var run = await shell.RunAsync(MachineScripts.AsLoginUser, MachineScripts.Describe, MarkerTimeout, ct);
        if (!run.Succeeded)
            throw ScriptFailed("Reading the machine's size and marker", shell.Machine, run);
        var lines = run.Output.ReplaceLineEndings("\n").Split('\n');
        var values = lines
            .TakeWhile(l => l != MachineScripts.MarkerLine)
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);
        if (
            !int.TryParse(values.GetValueOrDefault("cpus"), CultureInfo.InvariantCulture, out var cpus)
            || !long.TryParse(values.GetValueOrDefault("memory-kib"), CultureInfo.InvariantCulture, out var kib)
        )
            throw new CloudRefusal(
                CloudRefusalKind.Unavailable,
                $"{shell.Machine.Address} did not tell its CPUs and memory (nproc, /proc/meminfo): {Tail(run.Output)}",
                "NoMachineSize"
            );
        var markerAt = Array.IndexOf(lines, MachineScripts.MarkerLine);
        var marker = markerAt < 0 ? null : ClaimMarker.Parse(string.Join('\n', lines[(markerAt + 1)..]));
        return new MachineState(cpus, kib, marker);
    }

    private Task<MachineShell> OpenAsync(CloudAccess access, BareMetalMachine machine, CancellationToken ct) =>
        MachineShell.OpenAsync(access, machine, pins, time, ConnectTimeout, ct);

    private static IReadOnlyList<BareMetalMachine> Machines(CloudAccess access)
    {
        var machines = BareMetalMachine.ParseList(access.Setting(MachinesField));
        return machines.Count > 0
            ? machines
            : throw new CloudRefusal(CloudRefusalKind.Invalid, "No machines are listed", "NoMachines");
    }

    private static BareMetalMachine? Listed(CloudAccess access, string instanceId) =>
        Machines(access).FirstOrDefault(m => string.Equals(m.Address, instanceId, StringComparison.OrdinalIgnoreCase));

    private static CloudInstance Instance(BareMetalMachine machine, MachineState state) =>
        new(
            machine.Address,
            state.Marker?.Name is { Length: > 0 } name ? name : machine.Name ?? machine.Address,
            CloudInstanceState.Running,
            machine.Host,
            null,
            state.Size.Name,
            "",
            state.Marker?.Tags ?? new Dictionary<string, string>(),
            state.Marker?.ClaimedAt?.UtcDateTime
        );

    private static CloudRefusal ScriptFailed(string what, BareMetalMachine machine, ShellRun run)
    {
        var (kind, code, ending) = run switch
        {
            { TimedOut: true } => (CloudRefusalKind.Unavailable, "ScriptTimedOut", "did not finish in time"),
            { ExitStatus: { } status } => (CloudRefusalKind.Invalid, "ScriptFailed", $"failed with exit code {status}"),
            _ => (CloudRefusalKind.Invalid, "ScriptFailed", $"was ended by signal {run.ExitSignal ?? "(unknown)"}"),
        };
        return new CloudRefusal(
            kind,
            $"{what} on {machine.Label} {ending}.\nLast lines of stdout:\n{Tail(run.Output)}\n"
                + $"Last lines of stderr:\n{Tail(run.Error)}",
            code
        );
    }

    private static string Tail(string output)
    {
        var lines = output.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n');
        return lines is [""] ? "(none)" : string.Join('\n', lines.TakeLast(LastLines));
    }

    private void WarnOfUnreachable(Survey survey, string consequence)
    {
        foreach (var refusal in survey.Unreachable)
            logger.LogWarning(
                "A listed machine could not be used, {Consequence}: {Reason}",
                consequence,
                refusal.Message
            );
    }

    private sealed record MachineState(int Cpus, long MemoryKiB, ClaimMarker? Marker)
    {
        public CloudInstanceType Size =>
            new(
                string.Create(CultureInfo.InvariantCulture, $"{Cpus} CPU / {MemoryKiB / 1048576.0:0.0} GiB"),
                Cpus,
                (int)(MemoryKiB / 1024)
            );
    }

    private sealed record SurveyedMachine(BareMetalMachine Machine, MachineState State);

    /// <summary>Every listed machine, visited: the state of those that answered, why the others did not.</summary>
    private sealed record Survey(IReadOnlyList<SurveyedMachine> Reachable, IReadOnlyList<CloudRefusal> Unreachable)
    {
        public int Count => Reachable.Count + Unreachable.Count;

        public CloudInstance? Holding(string hostTag) =>
            Reachable.FirstOrDefault(m => m.State.Marker?.HostTag == hostTag) is { } held
                ? Instance(held.Machine, held.State)
                : null;

        /// <summary>
        /// The unreachable machines' reasons under a lead sentence; a credentials refusal among them (a wrong key, a
        /// changed host key) makes the whole one of credentials, since retrying will not help.
        /// </summary>
        public CloudRefusal Refusal(string lead, string code) =>
            new(
                Unreachable.Any(r => r.Kind == CloudRefusalKind.Credentials)
                    ? CloudRefusalKind.Credentials
                    : CloudRefusalKind.Unavailable,
                $"{lead}: {string.Join("; ", Unreachable.Select(r => r.Message))}",
                code
            );
    }
}
