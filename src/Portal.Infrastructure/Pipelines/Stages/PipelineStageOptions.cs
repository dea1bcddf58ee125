using Portal.Infrastructure.Common;

namespace Portal.Infrastructure.Pipelines.Stages;

/// <summary>Bound from <c>Portal:Pipelines:Stages</c>: how the test and canary stages look at what they run.</summary>
public sealed class PipelineStageOptions
{
    public const string Section = "Portal:Pipelines:Stages";

    /// <summary>How many lines of a test command's output go to the run's log before only the last are kept.</summary>
    public int LogLines { get; set; } = 500;

    /// <summary>How many last lines of a long output the log keeps after its first <see cref="LogLines"/>.</summary>
    public int LogTailLines { get; set; } = 100;

    /// <summary>How many of a failed command's last lines its message quotes.</summary>
    public int FailureLines { get; set; } = 15;

    /// <summary>The longest one attempt of an HTTP probe may take; the stage tries again until time is up.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The pause between two attempts of an HTTP probe.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Lets probes reach private networks (a lab where every application's host is private).</summary>
    public bool AllowPrivateProbeTargets { get; set; }

    /// <summary>Hosts, addresses and CIDR ranges probes may reach though they are private.</summary>
    public List<string> AllowedProbeTargets { get; set; } = [];

    /// <summary>How often a running canary's pods are looked at.</summary>
    public TimeSpan CanaryCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a canary's pod may take to become ready before the canary counts as unhealthy.</summary>
    public TimeSpan CanaryReadyGrace { get; set; } = TimeSpan.FromSeconds(90);

    public string? Invalid() =>
        LogLines < 1 || LogTailLines < 0 || FailureLines is < 1 or > 200
            ? $"{Section}: LogLines is at least 1, LogTailLines not negative, FailureLines 1 to 200."
        : ProbeTimeout <= TimeSpan.Zero || ProbeInterval <= TimeSpan.Zero
            ? $"{Section}: ProbeTimeout and ProbeInterval are positive."
        : CanaryCheckInterval <= TimeSpan.Zero || CanaryReadyGrace < TimeSpan.Zero
            ? $"{Section}: CanaryCheckInterval is positive and CanaryReadyGrace not negative."
        : !AllowedProbeTargets.All(NetworkTargetGuard.IsValidAllowedTarget)
            ? $"{Section}:AllowedProbeTargets takes host names, addresses and CIDR ranges such as 10.0.0.0/8."
        : null;
}
