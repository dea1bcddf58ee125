namespace Portal.Infrastructure.Builds.Kubernetes;

/// <summary>Bound from <c>Portal:Builds:KubernetesJob</c>: the production builder, a BuildKit Job per build.</summary>
public sealed class KubernetesJobOptions
{
    public const string Section = "Portal:Builds:KubernetesJob";

    /// <summary>The rootless BuildKit image; the init container unpacks the context with this image's tar.</summary>
    public string BuildKitImage { get; set; } = "moby/buildkit:v0.17.3-rootless";

    public string CpuRequest { get; set; } = "500m";
    public string CpuLimit { get; set; } = "2";
    public string MemoryRequest { get; set; } = "1Gi";
    public string MemoryLimit { get; set; } = "4Gi";

    /// <summary>The longest a build may take (the Job's activeDeadlineSeconds) unless a build asks less.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a finished Job and its pod stay for inspection before Kubernetes removes them.</summary>
    public TimeSpan KeepFinished { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The largest build context, compressed, handed over in a Secret: the API server keeps no object over 1 MiB, and
    /// the Secret's text is base64.
    /// </summary>
    public int MaxContextBytes { get; set; } = 700 * 1024;

    /// <summary>The pool builds run in when the tenant has a quota there; else its first pool by name.</summary>
    public string Pool { get; set; } = "";

    /// <summary>How often the Job and its pod are read while the build runs.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How many of a failed build's last lines its message quotes.</summary>
    public int FailureLines { get; set; } = 15;

    /// <summary>What one build Job asks of the tenant's quota: its container's requests and limits, one pod.</summary>
    public Domain.Quotas.ResourceAmounts Amounts() =>
        Domain.Quotas.ResourceAmounts.Zero with
        {
            CpuRequestMillis = Domain.Common.Quantity.CpuMillis(CpuRequest),
            CpuLimitMillis = Domain.Common.Quantity.CpuMillis(CpuLimit),
            MemoryRequestBytes = Domain.Common.Quantity.Whole(MemoryRequest),
            MemoryLimitBytes = Domain.Common.Quantity.Whole(MemoryLimit),
            Pods = 1,
        };

    public string? Invalid()
    {
        if (BuildKitImage.Length == 0)
            return $"{Section}:BuildKitImage names the rootless BuildKit image.";
        foreach (var (name, value) in Quantities())
            if (!IsQuantity(value))
                return $"{Section}:{name} '{value}' is not a Kubernetes quantity like 500m, 2 or 4Gi.";
        if (Timeout < TimeSpan.FromSeconds(1) || KeepFinished < TimeSpan.Zero || PollInterval <= TimeSpan.Zero)
            return $"{Section}: Timeout is at least a second, KeepFinished not negative, PollInterval positive.";
        if (MaxContextBytes is < 1 or > 750 * 1024)
            return $"{Section}:MaxContextBytes is 1 to 768000 (a Secret holds at most 1 MiB, base64 included).";
        return FailureLines is < 1 or > 200 ? $"{Section}:FailureLines is 1 to 200." : null;
    }

    private IEnumerable<(string, string)> Quantities() =>
        [
            (nameof(CpuRequest), CpuRequest),
            (nameof(CpuLimit), CpuLimit),
            (nameof(MemoryRequest), MemoryRequest),
            (nameof(MemoryLimit), MemoryLimit),
        ];

    private static bool IsQuantity(string value)
    {
        try
        {
            _ = new k8s.Models.ResourceQuantity(value).ToDecimal();
            return value.Length > 0;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }
}
