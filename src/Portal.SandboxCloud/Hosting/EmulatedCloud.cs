using System.Collections.Concurrent;
using System.Globalization;

namespace Portal.SandboxCloud.Hosting;

public enum EmulatedState
{
    Pending,
    Running,
    Terminated,
}

/// <summary>An instance the emulated cloud keeps, through its lifecycle.</summary>
public sealed class EmulatedInstance
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Region { get; init; }
    public required string Zone { get; init; }
    public required EmulatedInstanceType Type { get; init; }
    public required string Image { get; init; }
    public required string PrivateAddress { get; init; }
    public required string UserData { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>The idempotency token the request carried (AWS ClientToken, Alibaba ClientToken…), if any.</summary>
    public string? ClientToken { get; init; }

    public string Network { get; init; } = "";
    public string SecurityGroup { get; init; } = "";
    public string KeyPair { get; init; } = "";
    public int SystemDiskGiB { get; init; }

    public EmulatedState State { get; internal set; } = EmulatedState.Pending;
    public DateTimeOffset? RunningAt { get; internal set; }
    public DateTimeOffset? TerminatedAt { get; internal set; }

    /// <summary>What came of playing the instance's kubelet: "joined as node x", or why not.</summary>
    public string? JoinOutcome { get; internal set; }
}

public sealed record EmulatedInstanceType(string Name, int Cpus, int MemoryMiB);

/// <summary>A refusal the emulators turn into their provider's own error shape.</summary>
public sealed class EmulatedRefusal(EmulatedRefusalKind kind, string message) : Exception(message)
{
    public EmulatedRefusalKind Kind { get; } = kind;
}

public enum EmulatedRefusalKind
{
    QuotaExceeded,
    InvalidZone,
    InvalidInstanceType,
    InvalidImage,
    InvalidRegion,
    NotFound,
}

/// <summary>
/// What one emulated provider holds: its credentials, regions, zones, instance types and images, its quota and its
/// instances in memory. An instance is Pending for <see cref="SandboxCloudOptions.BootDelay"/>, then Running, and then
/// its kubelet is played from its user data against the cluster it names (<see cref="KubeletPlayer"/>).
/// </summary>
public sealed class EmulatedCloud
{
    private readonly ConcurrentDictionary<string, EmulatedInstance> _instances = new(StringComparer.Ordinal);
    private readonly SandboxCloudOptions _options;
    private readonly KubeletPlayer _kubelet;
    private readonly TimeProvider _clock;
    private int _next;

    internal EmulatedCloud(string kind, SandboxCloudOptions options, KubeletPlayer kubelet, TimeProvider clock)
    {
        Kind = kind;
        _options = options;
        _kubelet = kubelet;
        _clock = clock;
        InstanceLimit = options.InstanceLimit;
        CpuLimit = options.CpuLimit;
    }

    public string Kind { get; }

    /// <summary>Access key (or user name) → secret (or password) this cloud accepts.</summary>
    public ConcurrentDictionary<string, string> Credentials { get; } = new(StringComparer.Ordinal);

    /// <summary>Region → its zones.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Regions { get; set; } =
        new Dictionary<string, IReadOnlyList<string>>
        {
            ["sandbox-1"] = ["sandbox-1a", "sandbox-1b"],
            ["sandbox-2"] = ["sandbox-2a"],
        };

    public IReadOnlyList<EmulatedInstanceType> InstanceTypes { get; set; } =
    [new("small.2c4g", 2, 4096), new("medium.4c8g", 4, 8192), new("large.8c32g", 8, 32768)];

    /// <summary>Image id → name.</summary>
    public IReadOnlyDictionary<string, string> Images { get; set; } =
        new Dictionary<string, string>
        {
            ["img-debian-12"] = "Debian 12 (bookworm)",
            ["img-ubuntu-2404"] = "Ubuntu 24.04 LTS",
        };

    public IReadOnlyList<string> Networks { get; set; } = ["net-sandbox"];
    public IReadOnlyList<string> SecurityGroups { get; set; } = ["sg-nodes"];
    public IReadOnlyList<string> KeyPairs { get; set; } = ["ops-key"];

    /// <summary>At most this many instances not terminated at once.</summary>
    public int InstanceLimit { get; set; }

    /// <summary>At most this many vCPUs over the instances not terminated.</summary>
    public int CpuLimit { get; set; }

    public CloudFaults Faults { get; } = new();

    /// <summary>How many API calls the emulator answered (refused ones included), for benchmarks.</summary>
    public long Calls => Interlocked.Read(ref _calls);

    private long _calls;

    public void CountCall() => Interlocked.Increment(ref _calls);

    public bool Accepts(string key, string secret) =>
        Credentials.TryGetValue(key, out var expected) && string.Equals(expected, secret, StringComparison.Ordinal);

    public string? SecretOf(string key) => Credentials.TryGetValue(key, out var secret) ? secret : null;

    public IReadOnlyCollection<EmulatedInstance> Instances => [.. _instances.Values];

    public EmulatedInstance? Find(string id) => _instances.GetValueOrDefault(id);

    public int RunningCount => _instances.Values.Count(i => i.State != EmulatedState.Terminated);

    public int CpusInUse => _instances.Values.Where(i => i.State != EmulatedState.Terminated).Sum(i => i.Type.Cpus);

    /// <summary>
    /// Starts an instance after checking what it names and the quota; a request carrying a client token it has seen
    /// already gets the instance it made then.
    /// </summary>
    public async Task<EmulatedInstance> CreateAsync(
        string region,
        string zone,
        string instanceType,
        string image,
        string name,
        IReadOnlyDictionary<string, string> tags,
        string userData,
        string? clientToken,
        CancellationToken ct,
        string network = "",
        string securityGroup = "",
        string keyPair = "",
        int systemDiskGiB = 40
    )
    {
        if (!Regions.TryGetValue(region, out var zones))
            throw new EmulatedRefusal(EmulatedRefusalKind.InvalidRegion, $"The region '{region}' does not exist.");
        if (zone.Length > 0 && !zones.Contains(zone))
            throw new EmulatedRefusal(EmulatedRefusalKind.InvalidZone, $"The zone '{zone}' is not in '{region}'.");
        var type = InstanceTypes.FirstOrDefault(t => t.Name == instanceType)
            ?? throw new EmulatedRefusal(
                EmulatedRefusalKind.InvalidInstanceType,
                $"The instance type '{instanceType}' is not offered."
            );
        if (!Images.ContainsKey(image))
            throw new EmulatedRefusal(EmulatedRefusalKind.InvalidImage, $"The image '{image}' does not exist.");
        if (clientToken is { Length: > 0 })
        {
            var made = _instances.Values.FirstOrDefault(i => i.ClientToken == clientToken);
            if (made is not null)
                return made;
        }
        if (Faults.SlowCreates > TimeSpan.Zero)
            await Task.Delay(Faults.SlowCreates, _clock, ct);
        EmulatedInstance instance;
        lock (_instances)
        {
            if (RunningCount + 1 > InstanceLimit)
                throw new EmulatedRefusal(
                    EmulatedRefusalKind.QuotaExceeded,
                    $"The instance quota is exceeded: {RunningCount} of {InstanceLimit} in use."
                );
            if (CpusInUse + type.Cpus > CpuLimit)
                throw new EmulatedRefusal(
                    EmulatedRefusalKind.QuotaExceeded,
                    $"The vCPU quota is exceeded: {CpusInUse} of {CpuLimit} in use, {type.Cpus} more asked for."
                );
            var number = Interlocked.Increment(ref _next);
            instance = new EmulatedInstance
            {
                Id = $"i-{Kind.ToLowerInvariant()}{number.ToString("x8", CultureInfo.InvariantCulture)}",
                Name = name,
                Region = region,
                Zone = zone.Length > 0 ? zone : zones[0],
                Type = type,
                Image = image,
                PrivateAddress = $"192.168.{number / 250 % 250}.{number % 250 + 2}",
                UserData = userData,
                Tags = new Dictionary<string, string>(tags, StringComparer.Ordinal),
                CreatedAt = _clock.GetUtcNow(),
                ClientToken = clientToken,
                Network = network,
                SecurityGroup = securityGroup,
                KeyPair = keyPair,
                SystemDiskGiB = systemDiskGiB,
            };
            _instances[instance.Id] = instance;
        }
        _ = BootAsync(instance);
        return instance;
    }

    public bool Terminate(string id)
    {
        if (!_instances.TryGetValue(id, out var instance))
            return false;
        if (instance.State != EmulatedState.Terminated)
        {
            instance.State = EmulatedState.Terminated;
            instance.TerminatedAt = _clock.GetUtcNow();
        }
        return true;
    }

    private async Task BootAsync(EmulatedInstance instance)
    {
        try
        {
            await Task.Delay(_options.BootDelay, _clock);
            if (instance.State != EmulatedState.Pending)
                return;
            instance.State = EmulatedState.Running;
            instance.RunningAt = _clock.GetUtcNow();
            instance.JoinOutcome = await _kubelet.JoinAsync(instance, CancellationToken.None);
        }
        catch (Exception e)
        {
            instance.JoinOutcome = $"The kubelet could not join: {e.Message}";
        }
    }
}

/// <summary>Faults an emulated cloud injects on demand, effective on the next request.</summary>
public sealed class CloudFaults
{
    private int _throttleNext;
    private int _failNext;

    /// <summary>The share (0–1) of requests refused as throttled, at random.</summary>
    public double ThrottleRate { get; set; }

    /// <summary>How long each create takes before it is answered.</summary>
    public TimeSpan SlowCreates { get; set; }

    /// <summary>Refuses the next <paramref name="count"/> requests as throttled.</summary>
    public void ThrottleNext(int count) => Interlocked.Exchange(ref _throttleNext, count);

    /// <summary>Answers the next <paramref name="count"/> requests with a 500.</summary>
    public void FailNext(int count) => Interlocked.Exchange(ref _failNext, count);

    public void Clear()
    {
        ThrottleRate = 0;
        SlowCreates = TimeSpan.Zero;
        Interlocked.Exchange(ref _throttleNext, 0);
        Interlocked.Exchange(ref _failNext, 0);
    }

    /// <summary>Whether this request is to be refused as throttled.</summary>
    public bool Throttles() =>
        TakeOne(ref _throttleNext) || (ThrottleRate > 0 && Random.Shared.NextDouble() < ThrottleRate);

    /// <summary>Whether this request is to be answered with a server error.</summary>
    public bool Fails() => TakeOne(ref _failNext);

    private static bool TakeOne(ref int counter)
    {
        while (true)
        {
            var left = Volatile.Read(ref counter);
            if (left <= 0)
                return false;
            if (Interlocked.CompareExchange(ref counter, left - 1, left) == left)
                return true;
        }
    }
}
