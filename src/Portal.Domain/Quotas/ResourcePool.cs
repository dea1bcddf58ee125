using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Domain.Tenancy;

namespace Portal.Domain.Quotas;

/// <summary>
/// A named slice of capacity: a whole registered cluster, or the nodes of one that match a label selector.
/// Its capacity is computed from those nodes, live; the pool itself keeps where it is and how far its
/// CPU and memory may be overcommitted. The pods of its environments carry its selector and tolerate its taint
/// (<see cref="Placement"/>); a <see cref="Dedicated"/> pool's nodes carry that taint, so that no other pool's
/// pods land on them, and they count in no other pool's capacity.
/// </summary>
public sealed class ResourcePool
{
    public const int RegionMaxLength = 64;
    public const int PrometheusUrlMaxLength = 500;

    /// <summary>
    /// The key of the taint a dedicated pool's nodes carry, "portal/pool=&lt;pool name&gt;:NoSchedule".
    /// </summary>
    public const string TaintKey = "portal/pool";

    public Guid Id { get; private set; }
    public string Name { get; private set; } = "";
    public string DisplayName { get; private set; } = "";
    public Guid ClusterId { get; private set; }
    public string NodeSelector { get; private set; } = "";
    public string Region { get; private set; } = "";
    public decimal CpuOvercommit { get; private set; } = 1m;
    public decimal MemoryOvercommit { get; private set; } = 1m;

    /// <summary>Whether the pool's nodes are kept for its workloads alone, by its taint.</summary>
    public bool Dedicated { get; private set; }

    /// <summary>
    /// The domains under which its environments may publish ingress hosts ("apps.example.com, example.org"); none when
    /// empty.
    /// </summary>
    public string IngressDomains { get; private set; } = "";

    /// <summary>Whether a wildcard host ("*.team.apps.example.com") may be published in it.</summary>
    public bool WildcardHosts { get; private set; }

    /// <summary>
    /// The Prometheus that usage of the pool's cluster is read from; empty when it is read from metrics.k8s.io.
    /// </summary>
    public string PrometheusUrl { get; private set; } = "";

    /// <summary>How many hosts the portal may provision into the pool at most; null when it sets no maximum.</summary>
    public int? MaxHosts { get; private set; }
    public DateTime CreatedAt { get; private set; }

    private ResourcePool() { }

    public static Result<ResourcePool> Create(
        string? name,
        string? displayName,
        Guid clusterId,
        string? nodeSelector,
        string? region,
        decimal cpuOvercommit,
        decimal memoryOvercommit,
        DateTime now,
        bool dedicated = false
    )
    {
        var validName = TenantSlug.Create(name, "Name");
        if (!validName.Succeeded)
            return Problem.Invalid(
                "Name",
                validName.Problem!.Message.Replace("slug", "pool name", StringComparison.Ordinal)
            );
        var validDisplay = Tenancy.DisplayName.Create(string.IsNullOrWhiteSpace(displayName) ? name : displayName);
        if (!validDisplay.Succeeded)
            return validDisplay.Problem!;
        var selector = Quotas.NodeSelector.Parse(nodeSelector);
        if (!selector.Succeeded)
            return selector.Problem!;
        var validRegion = region?.Trim() ?? "";
        if (validRegion.Length == 0 || validRegion.Length > RegionMaxLength)
            return Problem.Invalid(
                "Region",
                $"A region or datacenter (e.g. 'bj' or 'dc-east') of 1 to {RegionMaxLength} characters is required."
            );
        var overcommit = OvercommitPolicy.Create(cpuOvercommit, memoryOvercommit);
        if (!overcommit.Succeeded)
            return overcommit.Problem!;
        return new ResourcePool
        {
            Id = Guid.NewGuid(),
            Name = validName.Value.Value,
            DisplayName = validDisplay.Value,
            ClusterId = clusterId,
            NodeSelector = selector.Value.ToString(),
            Region = validRegion,
            CpuOvercommit = cpuOvercommit,
            MemoryOvercommit = memoryOvercommit,
            CreatedAt = now,
            Dedicated = dedicated,
        };
    }

    public DomainList Domains => DomainList.Parse(IngressDomains, nameof(IngressDomains)).Value;

    /// <summary>
    /// Sets the domains its environments may publish hosts under, and whether wildcard hosts are allowed among them.
    /// </summary>
    public Result PublishUnder(IEnumerable<string?>? domains, bool wildcardHosts)
    {
        var parsed = DomainList.Parse(domains, "Domains");
        if (!parsed.Succeeded)
            return parsed.Problem!;
        IngressDomains = parsed.Value.ToString();
        WildcardHosts = wildcardHosts;
        return Result.Ok();
    }

    /// <summary>
    /// Whether an environment of the pool may publish the route: under its domains, and a wildcard only if allowed.
    /// </summary>
    public Result Admits(IngressRoute route)
    {
        const string field = "Exposure.IngressHost";
        var domains = Domains;
        if (domains.Domains.Count == 0)
            return Problem.Invalid(
                field,
                $"Pool '{Name}' publishes no ingress hosts: a platform admin lists the "
                    + "domains it serves on the pool's page."
            );
        if (!domains.Covers(route))
            return Problem.Invalid(
                field,
                $"'{route.Host}' is outside the domains of pool '{Name}': use a host under {domains}."
            );
        if (route.IsWildcard && !WildcardHosts)
            return Problem.Invalid(
                field,
                $"Pool '{Name}' does not allow wildcard hosts such as '{route.Host}': "
                    + "publish each name, or ask a platform admin to allow wildcards."
            );
        return Result.Ok();
    }

    /// <summary>The taint the pool's nodes carry when it is dedicated, and its pods tolerate always.</summary>
    public NodeTaint Taint => new(TaintKey, Name, NodeTaint.NoSchedule);

    public PodPlacement Placement => new(Selector, Taint);

    /// <summary>
    /// Keeps the pool's nodes for its workloads alone, or gives them back. Two dedicated pools of one cluster must not
    /// be able to select the same node (a node carries one taint of a key and effect), so their selectors must differ
    /// in the value of some key they both name.
    /// </summary>
    public Result Dedicate(bool dedicated, IEnumerable<ResourcePool> sameCluster)
    {
        if (dedicated)
        {
            var overlapping = sameCluster
                .Where(p => p.Id != Id && p.ClusterId == ClusterId && p.Dedicated && p.Selector.Overlaps(Selector))
                .Select(p => p.Name)
                .Order(StringComparer.Ordinal)
                .ToList();
            if (overlapping.Count > 0)
            {
                return Problem.Conflict(
                    $"Pool '{Name}' cannot be dedicated: dedicated pool(s) "
                        + $"{string.Join(", ", overlapping.Select(n => $"'{n}'"))} "
                        + "could select the same nodes. Give the pools selectors that require "
                        + "different values of one label, such as 'pool=a' and 'pool=b'.",
                    nameof(Dedicated)
                );
            }
        }
        Dedicated = dedicated;
        return Result.Ok();
    }

    /// <summary>
    /// Whether a node belongs to the pool: its selector matches it, its pods tolerate every taint that would keep them
    /// off it, and no other dedicated pool of the cluster selects it — a node a dedicated pool selects is that pool's
    /// alone, tainted yet or not, so that no capacity is counted twice.
    /// </summary>
    public bool Holds(string labelLines, string taintLines, IEnumerable<ResourcePool> sameCluster) =>
        Placement.CanRunOn(labelLines, taintLines)
        && !sameCluster.Any(p =>
            p.Id != Id && p.ClusterId == ClusterId && p.Dedicated && p.Selector.Matches(labelLines)
        );

    /// <summary>Sets how many hosts may be provisioned into the pool (null: no maximum).</summary>
    public Result LimitHosts(int? maxHosts)
    {
        if (maxHosts is < 0 or > 10_000)
            return Problem.Invalid(nameof(MaxHosts), "A pool's maximum is 0 to 10,000 hosts, or empty for none.");
        MaxHosts = maxHosts;
        return Result.Ok();
    }

    /// <summary>
    /// Whether <paramref name="more"/> hosts may be provisioned into the pool that holds <paramref name="held"/> (its
    /// nodes not provisioned by the portal, and the portal's hosts that count), refused with the numbers.
    /// </summary>
    public Result AdmitsHosts(int more, int held)
    {
        if (MaxHosts is { } max && held + more > max)
            return Problem.Conflict(
                $"Pool '{Name}' may hold at most {max} hosts: it holds {held}, so {more} more would make "
                    + $"{held + more}. Raise its maximum or decommission hosts first.",
                "Count"
            );
        return Result.Ok();
    }

    public OvercommitPolicy Overcommit => new(CpuOvercommit, MemoryOvercommit);

    public NodeSelector Selector => Quotas.NodeSelector.Parse(NodeSelector).Value;

    /// <summary>
    /// Changes how far the pool may be overcommitted; lowering it below what tenants were granted already is refused
    /// with the numbers, since taking quota back is a decision about each tenant, not about the pool.
    /// </summary>
    public Result ChangeOvercommit(decimal cpu, decimal memory, ResourceAmounts capacity, ResourceAmounts granted)
    {
        var overcommit = OvercommitPolicy.Create(cpu, memory);
        if (!overcommit.Succeeded)
            return overcommit.Problem!;
        var beyond = Beyond(granted, overcommit.Value.Grantable(capacity));
        if (beyond.Count > 0)
        {
            return Problem.Conflict(
                $"Pool '{Name}' at overcommit CPU {cpu}, memory {memory} could not keep what its tenants were granted: "
                    + $"{string.Join("; ", beyond)}. Reduce their quotas first.",
                "Overcommit"
            );
        }

        CpuOvercommit = cpu;
        MemoryOvercommit = memory;
        return Result.Ok();
    }

    /// <summary>
    /// What was granted beyond what can be granted, dimension by dimension, in words: "CPU requests: 12 granted, 8
    /// grantable".
    /// </summary>
    public static IReadOnlyList<string> Beyond(ResourceAmounts granted, ResourceAmounts grantable)
    {
        var beyond = new List<string>();
        if (granted.CpuRequestMillis > grantable.CpuRequestMillis)
            beyond.Add(
                $"CPU requests: {Quantity.FormatCpu(granted.CpuRequestMillis)} granted, "
                    + $"{Quantity.FormatCpu(grantable.CpuRequestMillis)} grantable"
            );
        if (granted.CpuLimitMillis > grantable.CpuLimitMillis)
            beyond.Add(
                $"CPU limits: {Quantity.FormatCpu(granted.CpuLimitMillis)} granted, "
                    + $"{Quantity.FormatCpu(grantable.CpuLimitMillis)} grantable"
            );
        if (granted.MemoryRequestBytes > grantable.MemoryRequestBytes)
            beyond.Add(
                $"memory requests: {Quantity.FormatBytes(granted.MemoryRequestBytes)} "
                    + $"granted, {Quantity.FormatBytes(grantable.MemoryRequestBytes)} "
                    + "grantable"
            );
        if (granted.MemoryLimitBytes > grantable.MemoryLimitBytes)
            beyond.Add(
                $"memory limits: {Quantity.FormatBytes(granted.MemoryLimitBytes)} "
                    + $"granted, {Quantity.FormatBytes(grantable.MemoryLimitBytes)} grantable"
            );
        return beyond;
    }

    /// <summary>
    /// Reads usage from the Prometheus at this address from now on, or from metrics.k8s.io when none is given. The
    /// address is kept without a trailing slash, so API paths are appended to it as they are.
    /// </summary>
    public Result UseMetricsFrom(string? prometheusUrl)
    {
        var text = prometheusUrl?.Trim() ?? "";
        if (text.Length == 0)
        {
            PrometheusUrl = "";
            return Result.Ok();
        }
        if (
            text.Length > PrometheusUrlMaxLength
            || !Uri.TryCreate(text, UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || url.UserInfo.Length > 0
            || text.Contains('?')
            || text.Contains('#')
        )
        {
            return Problem.Invalid(
                nameof(PrometheusUrl),
                "A Prometheus address is an http or https URL of at most "
                    + $"{PrometheusUrlMaxLength} characters without credentials or query, "
                    + "such as 'http://prometheus.monitoring:9090'; leave it empty to read metrics.k8s.io."
            );
        }

        PrometheusUrl = text.TrimEnd('/');
        return Result.Ok();
    }
}
