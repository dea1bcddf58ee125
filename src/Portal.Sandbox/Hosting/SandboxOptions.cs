namespace Portal.Sandbox.Hosting;

/// <summary>Size and timing of a sandbox cluster. Defaults suit interactive use; tests shorten the delays.</summary>
public sealed class SandboxOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Serve HTTPS with a self-signed certificate; kubectl sends bearer tokens only over TLS.</summary>
    public bool UseTls { get; set; } = true;

    public string ClusterName { get; set; } = "sandbox";

    public int NodeCount { get; set; } = 3;

    public string NodeCpu { get; set; } = "4";

    public string NodeMemory { get; set; } = "16Gi";

    public int NodeMaxPods { get; set; } = 110;

    public string NodeEphemeralStorage { get; set; } = "100Gi";

    public IReadOnlyList<string> Zones { get; set; } = ["zone-a", "zone-b", "zone-c"];

    /// <summary>Namespaces created at start besides default, kube-system, kube-public and kube-node-lease.</summary>
    public IReadOnlyList<string> SeedNamespaces { get; set; } = [];

    /// <summary>How long the simulated kubelet takes to pull and start a bound pod.</summary>
    public TimeSpan PodStartDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan CrashLoopRestartInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a pod with restartPolicy Never/OnFailure runs before it succeeds.</summary>
    public TimeSpan JobPodDuration { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan NodeHeartbeatInterval { get; set; } = TimeSpan.FromSeconds(40);

    public TimeSpan HpaSyncInterval { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan LogLineInterval { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Server-side cap of a watch when the client sends no timeoutSeconds.</summary>
    public TimeSpan DefaultWatchTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How many past changes are kept for watches resuming from a resourceVersion.</summary>
    public int EventHistorySize { get; set; } = 50_000;

    /// <summary>
    /// Core v1 Events kept before the oldest are deleted (the real cluster expires them after an hour).
    /// </summary>
    public int MaxEvents { get; set; } = 10_000;

    /// <summary>Pending changes a watcher may fall behind by before its stream is closed.</summary>
    public int WatchBufferSize { get; set; } = 100_000;

    /// <summary>Bearer token with full access; generated when null.</summary>
    public string? Token { get; set; }

    /// <summary>Bearer token allowed only get, list and watch; generated when null.</summary>
    public string? ReadOnlyToken { get; set; }

    public bool RunControllers { get; set; } = true;

    /// <summary>
    /// How long stopping waits for requests still in flight before cutting them off. Streams end by themselves
    /// when the sandbox stops; this bounds anything that does not.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Scheduled/Pulled/Created/Started events per pod; off for large benchmarks.</summary>
    public bool RecordPodLifecycleEvents { get; set; } = true;

    public FaultSettings Faults { get; set; } = new();
}

/// <summary>Initial fault injection; the live switches are on <see cref="Faults.SandboxFaults"/>.</summary>
public sealed class FaultSettings
{
    public TimeSpan Latency { get; set; }

    public double ErrorRate { get; set; }

    public double ThrottleRate { get; set; }

    public int RetryAfterSeconds { get; set; } = 1;

    public int? DropWatchAfterEvents { get; set; }

    public TimeSpan? DropWatchAfter { get; set; }

    public bool ExpireWatches { get; set; }
}
