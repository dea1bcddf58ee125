namespace Portal.Domain.Quotas;

/// <summary>
/// A node's taint, as the hosts inventory keeps it: one "key=value:Effect" line each ("key:Effect" without a value).
/// </summary>
public sealed record NodeTaint(string Key, string Value, string Effect)
{
    public const string NoSchedule = "NoSchedule";
    public const string NoExecute = "NoExecute";

    /// <summary>
    /// Whether it keeps pods that do not tolerate it off the node; PreferNoSchedule only steers them away.
    /// </summary>
    public bool KeepsPodsOff => Effect is NoSchedule or NoExecute;

    public static IReadOnlyList<NodeTaint> ParseLines(string? lines) =>
        (lines ?? "")
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line =>
            {
                var effectAt = line.LastIndexOf(':');
                var keyValue = effectAt < 0 ? line : line[..effectAt];
                var pair = keyValue.Split('=', 2);
                return new NodeTaint(
                    pair[0],
                    pair.Length == 2 ? pair[1] : "",
                    effectAt < 0 ? "" : line[(effectAt + 1)..]
                );
            })
            .ToList();

    public override string ToString() => $"{Key}{(Value.Length == 0 ? "" : "=" + Value)}:{Effect}";
}

/// <summary>
/// Where the pods of an environment may run: on the nodes its pool's selector matches, tolerating the pool's own taint
/// (<see cref="ResourcePool.TaintKey"/>=pool name) whatever its effect, and no other. Every pod template the portal
/// renders carries both, so a pool's workloads stay on its nodes and a dedicated pool's nodes, tainted, take no one
/// else's.
/// </summary>
public sealed record PodPlacement(NodeSelector Selector, NodeTaint? Tolerated)
{
    /// <summary>No pool: any node without a taint. For rendering outside an environment (checks, previews).</summary>
    public static PodPlacement Anywhere { get; } = new(Quotas.NodeSelector.Everything, null);

    public IReadOnlyDictionary<string, string> SelectorLabels =>
        Selector.Requirements.ToDictionary(r => r.Key, r => r.Value, StringComparer.Ordinal);

    public bool Tolerates(NodeTaint taint) =>
        !taint.KeepsPodsOff || (Tolerated is { } own && own.Key == taint.Key && own.Value == taint.Value);

    /// <summary>
    /// Whether a pod placed so can be scheduled on a node with these labels and taints (inventory lines).
    /// </summary>
    public bool CanRunOn(string labelLines, string taintLines) =>
        Selector.Matches(labelLines) && NodeTaint.ParseLines(taintLines).All(Tolerates);
}
