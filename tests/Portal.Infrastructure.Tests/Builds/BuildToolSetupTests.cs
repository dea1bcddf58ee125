using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Portal.Infrastructure.Builds;
using Portal.Infrastructure.Builds.Buildah;
using Portal.Infrastructure.Builds.Registry;

namespace Portal.Infrastructure.Tests.Builds;

/// <summary>Whether and how the portal installs missing build tools, with the machine stood in for.</summary>
public sealed class BuildToolSetupTests
{
    /// <summary>A machine with these tools, root or not; apt-get "installs" by adding what it was asked for.</summary>
    private sealed class Machine(bool root, params string[] tools) : ISetupCommands
    {
        private readonly HashSet<string> _tools = new(tools, StringComparer.Ordinal);

        public List<string> Commands { get; } = [];
        public int ExitCode { get; init; }
        public TaskCompletionSource? Gate { get; init; }

        public bool IsRoot => root;

        public string? Find(string tool)
        {
            lock (_tools)
                return _tools.Contains(tool) ? $"/usr/bin/{tool}" : null;
        }

        public async Task<ToolOutcome> RunAsync(
            string executable,
            IReadOnlyList<string> arguments,
            Action<string> onLine,
            CancellationToken ct
        )
        {
            Commands.Add($"{Path.GetFileName(executable)} {string.Join(' ', arguments)}");
            if (Gate is not null)
                await Gate.Task.WaitAsync(ct);
            onLine("Reading package lists...");
            if (ExitCode != 0)
                return new ToolOutcome(ExitCode, "", ["E: Unable to locate package buildah"]);
            if (arguments[0] == "install")
            {
                lock (_tools)
                    foreach (var package in arguments.Skip(4))
                        _tools.Add(package);
            }
            return new ToolOutcome(0, "", []);
        }
    }

    private static BuildToolSetup Setup(Machine machine, bool? install = null, bool embedded = true) =>
        new(
            Options.Create(new BuildToolOptions { InstallTools = install }),
            Options.Create(new RegistryOptions { Embedded = embedded }),
            Options.Create(new BuildahOptions()),
            machine,
            NullLogger<BuildToolSetup>.Instance
        );

    [Theory]
    [InlineData(true, true, true, null)]
    [InlineData(false, true, true, "Portal:Builds:InstallTools is off")]
    [InlineData(true, false, true, "the portal does not run as root")]
    [InlineData(true, true, false, "this machine has no apt-get")]
    public void The_portal_installs_only_when_allowed_as_root_with_apt_get(
        bool enabled,
        bool root,
        bool aptGet,
        string? why
    )
    {
        Assert.Equal(why, BuildToolSetup.WhyNotInstall(enabled, root, aptGet));
    }

    [Fact]
    public async Task As_root_with_apt_get_the_embedded_mode_installs_the_missing_tools_once_and_then_has_them()
    {
        var gate = new TaskCompletionSource();
        var machine = new Machine(true, "apt-get", "docker-registry") { Gate = gate };
        var setup = Setup(machine);

        var installing = setup.StartInstalling(default);
        var during = setup.Status();
        gate.SetResult();
        await installing;
        await setup.StartInstalling(default);

        Assert.Equal(
            [BuildToolState.Installing, BuildToolState.Present, BuildToolState.Installing],
            during.Select(s => s.State)
        );
        Assert.Contains("is being installed by the portal ('apt-get install buildah')", during[0].Sentence);
        Assert.Equal(
            ["apt-get update -q", "apt-get install -y -q --no-install-recommends buildah mmdebstrap"],
            machine.Commands
        );
        Assert.All(setup.Status(), s => Assert.Equal(BuildToolState.Present, s.State));
    }

    [Fact]
    public async Task Not_root_nothing_is_run_and_the_sentence_says_how_to_install_and_why_the_portal_did_not()
    {
        var machine = new Machine(false, "apt-get", "docker-registry", "mmdebstrap");
        var setup = Setup(machine);

        await setup.StartInstalling(default);

        Assert.Empty(machine.Commands);
        var buildah = setup.Status()[0];
        Assert.Equal(BuildToolState.Missing, buildah.State);
        Assert.Equal(
            "'buildah' is not installed, so building images is not available. On Debian or Ubuntu install it with "
                + "'apt-get install buildah' (as root), then restart the portal. (The portal did not install it: "
                + "the portal does not run as root.)",
            buildah.Sentence
        );
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(null, false)]
    public async Task With_the_setting_off_or_outside_the_embedded_mode_by_default_nothing_is_installed(
        bool? install,
        bool embedded
    )
    {
        var machine = new Machine(true, "apt-get");
        var setup = Setup(machine, install, embedded);

        await setup.StartInstalling(default);

        Assert.Empty(machine.Commands);
        Assert.All(setup.Status(), s => Assert.Equal(BuildToolState.Missing, s.State));
        Assert.Contains("InstallTools is off", setup.Status()[0].Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_apt_get_nothing_is_run_and_the_sentence_says_so()
    {
        var machine = new Machine(true);
        var setup = Setup(machine, install: true);

        await setup.StartInstalling(default);

        Assert.Empty(machine.Commands);
        Assert.EndsWith("(The portal did not install it: this machine has no apt-get.)", setup.Status()[0].Sentence);
    }

    [Fact]
    public async Task A_failed_installation_says_why_and_how_to_install_by_hand()
    {
        var machine = new Machine(true, "apt-get", "docker-registry", "mmdebstrap") { ExitCode = 100 };
        var setup = Setup(machine);

        await setup.StartInstalling(default);

        var buildah = setup.Status()[0];
        Assert.Equal(BuildToolState.Failed, buildah.State);
        Assert.Equal(
            "'buildah' is not installed, so building images is not available: the portal's 'apt-get install buildah' "
                + "failed (apt-get update exited with 100: E: Unable to locate package buildah). Install it as root "
                + "with 'apt-get install buildah', then restart the portal.",
            buildah.Sentence
        );
        Assert.Single(machine.Commands);
    }

    [Fact]
    public void The_kubernetes_builder_needs_neither_buildah_nor_mmdebstrap_here()
    {
        var setup = new BuildToolSetup(
            Options.Create(new BuildToolOptions { Builder = "KubernetesJob" }),
            Options.Create(new RegistryOptions { Embedded = false, Url = "https://registry.example.com" }),
            Options.Create(new BuildahOptions()),
            new Machine(true, "apt-get"),
            NullLogger<BuildToolSetup>.Instance
        );

        Assert.Empty(setup.Needed());
    }

    [Fact]
    public async Task A_tool_configured_by_another_name_is_not_installed_but_said_missing()
    {
        var machine = new Machine(true, "apt-get", "buildah", "mmdebstrap");
        var setup = new BuildToolSetup(
            Options.Create(new BuildToolOptions()),
            Options.Create(new RegistryOptions { EmbeddedExecutable = "/opt/registry/bin/registry" }),
            Options.Create(new BuildahOptions()),
            machine,
            NullLogger<BuildToolSetup>.Instance
        );

        await setup.StartInstalling(default);

        Assert.Empty(machine.Commands);
        Assert.Equal(BuildToolState.Missing, setup.Status()[1].State);
    }
}
