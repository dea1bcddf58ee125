using System.Globalization;
using Portal.Domain.Common;

namespace Portal.Domain.Applications;

/// <summary>One difference between two specs, said for people: "CPU limit: 0.5 → 1". Null is "not set".</summary>
public sealed record SpecChange(string Field, string? Before, string? After);

/// <summary>
/// What changes from one spec to the next, for the page that asks "deploy these changes?" and for the audit log.
/// Fields come in the order of the form (image first); variables and config files in the order of the new spec,
/// then the removed ones. Secret values are never shown: only that a secret is there, changed or gone.
/// </summary>
public static class SpecDiff
{
    public const string SecretAdded = "(secret)";
    public const string SecretChanged = EnvironmentVariable.Mask + " (changed)";

    /// <summary>
    /// The changes from <paramref name="from"/> to <paramref name="to"/>; from nothing, every field that is set.
    /// </summary>
    public static IReadOnlyList<SpecChange> Between(DeploymentSpec? from, DeploymentSpec to)
    {
        var changes = new List<SpecChange>();
        void Add(string field, string? before, string? after)
        {
            if (before != after)
                changes.Add(new SpecChange(field, before, after));
        }

        Add("Image", from?.Image, to.Image);
        Add("Command", Words(from?.Command), Words(to.Command));
        Add("Arguments", Words(from?.Args), Words(to.Args));
        Add("Ports", Ports(from?.Ports), Ports(to.Ports));
        changes.AddRange(Environment(from?.Environment ?? [], to.Environment));
        changes.AddRange(ConfigFiles(from?.ConfigFiles ?? [], to.ConfigFiles));
        Add("CPU request", Cpu(from?.Resources.CpuRequestMillis), Cpu(to.Resources.CpuRequestMillis));
        Add("CPU limit", Cpu(from?.Resources.CpuLimitMillis), Cpu(to.Resources.CpuLimitMillis));
        Add("Memory request", Bytes(from?.Resources.MemoryRequestBytes), Bytes(to.Resources.MemoryRequestBytes));
        Add("Memory limit", Bytes(from?.Resources.MemoryLimitBytes), Bytes(to.Resources.MemoryLimitBytes));
        Add("Replicas", Number(from?.Replicas), Number(to.Replicas));
        Add("Liveness probe", Describe(from?.Liveness), Describe(to.Liveness));
        Add("Readiness probe", Describe(from?.Readiness), Describe(to.Readiness));
        Add("Service port", Number(from?.Exposure?.ServicePort), Number(to.Exposure?.ServicePort));
        Add("Target port", Number(from?.Exposure?.TargetPort), Number(to.Exposure?.TargetPort));
        Add("Ingress host", Text(from?.Exposure?.IngressHost), Text(to.Exposure?.IngressHost));
        Add("Ingress path", Text(from?.Exposure?.IngressPath), Text(to.Exposure?.IngressPath));
        Add("TLS secret", Text(from?.Exposure?.TlsSecretName), Text(to.Exposure?.TlsSecretName));
        Add("Autoscaling", Describe(from?.Autoscaling), Describe(to.Autoscaling));
        return changes;
    }

    private static IEnumerable<SpecChange> Environment(
        IReadOnlyList<EnvironmentVariable> from,
        IReadOnlyList<EnvironmentVariable> to
    )
    {
        var before = ByName(from);
        var after = ByName(to);
        foreach (var name in Union(from.Select(v => v.Name), to.Select(v => v.Name)))
        {
            var (was, now) = (before.GetValueOrDefault(name), after.GetValueOrDefault(name));
            if (was == now)
                continue;
            var (shownBefore, shownAfter) = (was, now) switch
            {
                (_, { From: { } source }) => (was is null ? null : Shown(was), $"from {source}"),
                ({ From: { } source }, _) => ($"from {source}", now is null ? null : Shown(now)),
                (null, { IsSecret: true }) => (null, SecretAdded),
                (null, _) => (null, now!.Value),
                ({ IsSecret: true }, null) => (EnvironmentVariable.Mask, null),
                (_, null) => (was.Value, null),
                ({ IsSecret: true }, { IsSecret: true }) => (EnvironmentVariable.Mask, SecretChanged),
                // Made secret: the old plain value may be the new secret one, so it is not shown either.
                ({ IsSecret: false }, { IsSecret: true }) => (EnvironmentVariable.Mask, SecretAdded),
                ({ IsSecret: true }, _) => (EnvironmentVariable.Mask, now.Value),
                _ => (was.Value, now.Value),
            };
            yield return new SpecChange($"Environment variable {name}", shownBefore, shownAfter);
        }

        // Order matters to Kubernetes when a value refers to an earlier variable, as in "$(DB_HOST):5432".
        var kept = to.Select(v => v.Name).Where(before.ContainsKey).ToList();
        var keptBefore = from.Select(v => v.Name).Where(after.ContainsKey).ToList();
        if (!kept.SequenceEqual(keptBefore))
            yield return new SpecChange(
                "Environment variable order",
                string.Join(", ", keptBefore),
                string.Join(", ", kept)
            );
    }

    private static IEnumerable<SpecChange> ConfigFiles(IReadOnlyList<ConfigFile> from, IReadOnlyList<ConfigFile> to)
    {
        var before = from.GroupBy(f => f.FullPath, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Content, StringComparer.Ordinal);
        var after = to.GroupBy(f => f.FullPath, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First().Content, StringComparer.Ordinal);
        foreach (var path in Union(from.Select(f => f.FullPath), to.Select(f => f.FullPath)))
        {
            var (was, now) = (before.GetValueOrDefault(path), after.GetValueOrDefault(path));
            if (was == now)
                continue;
            var (shownBefore, shownAfter) = (Describe(was), Describe(now));
            if (shownBefore == shownAfter)
                shownAfter += " (changed)";
            yield return new SpecChange($"Config file {path}", shownBefore, shownAfter);
        }
    }

    /// <summary>The keys of the new list in its order, then those only the old one had.</summary>
    private static IEnumerable<string> Union(IEnumerable<string> from, IEnumerable<string> to) =>
        to.Concat(from).Distinct(StringComparer.Ordinal);

    private static string Shown(EnvironmentVariable variable) =>
        variable.From is { } source ? $"from {source}"
        : variable.IsSecret ? EnvironmentVariable.Mask
        : variable.Value;

    private static Dictionary<string, EnvironmentVariable> ByName(IEnumerable<EnvironmentVariable> variables) =>
        variables
            .GroupBy(v => v.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);

    private static string? Words(IReadOnlyList<string>? words) =>
        words is null || words.Count == 0
            ? null
            : string.Join(" ", words.Select(w => w.Length == 0 || w.Any(char.IsWhiteSpace) ? $"\"{w}\"" : w));

    private static string? Ports(IReadOnlyList<ContainerPort>? ports) =>
        ports is null || ports.Count == 0
            ? null
            : string.Join(
                ", ",
                ports.Select(p =>
                    $"{(string.IsNullOrEmpty(p.Name) ? "" : p.Name + " ")}{p.Port}/"
                    + $"{p.Protocol.ToString().ToUpperInvariant()}"
                )
            );

    private static string? Cpu(long? millis) => millis is { } m ? Quantity.FormatCpu(m) : null;

    private static string? Bytes(long? bytes) => bytes is { } b ? Quantity.FormatBytes(b) : null;

    private static string? Number(int? number) => number?.ToString(CultureInfo.InvariantCulture);

    private static string? Text(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private static string? Describe(string? content)
    {
        if (content is null)
            return null;
        var lines = content.Length == 0 ? 0 : content.TrimEnd('\n').Split('\n').Length;
        var size = Quantity.FormatBytes(System.Text.Encoding.UTF8.GetByteCount(content));
        return $"{lines} {(lines == 1 ? "line" : "lines")}, {size}";
    }

    private static string? Describe(Probe? probe) =>
        probe is null
            ? null
            : (
                probe.Kind == ProbeKind.Http
                    ? $"HTTP GET {probe.Path} on port {probe.Port}"
                    : $"TCP connection to port {probe.Port}"
            )
                + $" (delay {probe.InitialDelaySeconds} s, every {probe.PeriodSeconds} s, "
                + $"{probe.FailureThreshold} failures)";

    private static string? Describe(AutoscalingPolicy? policy) => policy is null ? null : DescribeAutoscaling(policy);

    /// <summary>"2 to 10 replicas at CPU 70%".</summary>
    public static string DescribeAutoscaling(AutoscalingPolicy policy)
    {
        var targets = new List<string>();
        if (policy.CpuUtilizationPercent is { } cpu)
            targets.Add($"CPU {cpu}%");
        if (policy.MemoryUtilizationPercent is { } memory)
            targets.Add($"memory {memory}%");
        return $"{policy.MinReplicas} to {policy.MaxReplicas} replicas at {string.Join(", ", targets)}";
    }
}
