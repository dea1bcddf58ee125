using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;

namespace Portal.Sandbox.Storage;

/// <summary>
/// One object as kept in memory: its serialized JSON plus the few fields selectors, controllers and quota
/// arithmetic need without parsing it again. Instances are immutable; a write replaces the instance.
/// </summary>
public sealed class StoredObject
{
    public required ResourceKind Kind { get; init; }

    /// <summary>Empty for cluster-scoped objects.</summary>
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    public required string Uid { get; init; }

    public required long ResourceVersion { get; init; }

    public required byte[] Json { get; init; }

    public required KeyValuePair<string, string>[] Labels { get; init; }

    public required string[] OwnerUids { get; init; }

    public string? NodeName { get; init; }

    public string? Phase { get; init; }

    public bool Ready { get; init; }

    public bool Terminating { get; init; }

    public ResourceAmounts Requests { get; init; }

    public ResourceAmounts Limits { get; init; }

    public string Key => Namespace.Length == 0 ? Name : Namespace + "/" + Name;

    public JsonObject Parse() => Common.Json.ParseObject(Json);

    public string? Label(string key)
    {
        foreach (var (k, v) in Labels)
        {
            if (k == key)
            {
                return v;
            }
        }
        return null;
    }

    /// <summary>Pods that still hold node resources and count against quota.</summary>
    public bool IsActivePod => Phase is not ("Succeeded" or "Failed");

    internal static StoredObject FromJson(ResourceKind kind, JsonObject obj, long resourceVersion, StringPool pool)
    {
        var metadata = obj.Obj("metadata");
        var labels = metadata.Obj("labels") is { } labelObject
            ? labelObject
                .Select(p => new KeyValuePair<string, string>(
                    pool.Intern(p.Key),
                    pool.Intern(p.Value?.ToString() ?? "")
                ))
                .ToArray()
            : [];
        var owners = metadata
            .Arr("ownerReferences")
            .Objects()
            .Select(o => o.Str("uid") ?? "")
            .Where(u => u.Length > 0)
            .ToArray();
        string? nodeName = null,
            phase = null;
        var ready = false;
        ResourceAmounts requests = default,
            limits = default;
        if (kind == ResourceKinds.Pod)
        {
            nodeName = pool.Intern(obj.Str("spec", "nodeName"));
            phase = pool.Intern(obj.Str("status", "phase"));
            ready = obj.Arr("status", "conditions")
                .Objects()
                .Any(c => c.Str("type") == "Ready" && c.Str("status") == "True");
            (requests, limits) = ResourceAmounts.OfPodSpec(obj.Obj("spec"));
        }
        else if (kind == ResourceKinds.Namespace)
        {
            phase = obj.Str("status", "phase");
        }
        return new StoredObject
        {
            Kind = kind,
            Namespace = pool.Intern(metadata.Str("namespace") ?? "") ?? "",
            Name = metadata.Str("name") ?? "",
            Uid = metadata.Str("uid") ?? "",
            ResourceVersion = resourceVersion,
            Json = Common.Json.ToBytes(obj),
            Labels = labels,
            OwnerUids = owners,
            NodeName = nodeName,
            Phase = phase,
            Ready = ready,
            Terminating = metadata.Str("deletionTimestamp") is not null,
            Requests = requests,
            Limits = limits,
        };
    }
}

/// <summary>CPU in millicores and memory in bytes, summed over a pod's containers.</summary>
public readonly record struct ResourceAmounts(long CpuMilli, long MemoryBytes, bool HasCpu, bool HasMemory)
{
    public static ResourceAmounts operator +(ResourceAmounts a, ResourceAmounts b) =>
        new(a.CpuMilli + b.CpuMilli, a.MemoryBytes + b.MemoryBytes, a.HasCpu || b.HasCpu, a.HasMemory || b.HasMemory);

    public static (ResourceAmounts Requests, ResourceAmounts Limits) OfPodSpec(JsonObject? spec)
    {
        ResourceAmounts requests = default,
            limits = default;
        foreach (var container in spec.Arr("containers").Objects())
        {
            requests += Of(container.Obj("resources", "requests"));
            limits += Of(container.Obj("resources", "limits"));
        }
        return (requests, limits);
    }

    public static ResourceAmounts Of(JsonObject? resources)
    {
        long cpu = 0,
            memory = 0;
        bool hasCpu = false,
            hasMemory = false;
        if (Quantity.TryParse(resources.Str("cpu"), out var c))
        {
            cpu = c.MilliValue;
            hasCpu = true;
        }
        if (Quantity.TryParse(resources.Str("memory"), out var m))
        {
            memory = m.IntegerValue;
            hasMemory = true;
        }
        return new ResourceAmounts(cpu, memory, hasCpu, hasMemory);
    }
}

/// <summary>
/// Interns the strings that repeat across thousands of objects (namespaces, label keys and values, node names).
/// </summary>
internal sealed class StringPool
{
    private readonly Dictionary<string, string> _strings = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    public string? Intern(string? value)
    {
        if (value is null || value.Length > 128)
        {
            return value;
        }
        lock (_gate)
        {
            if (_strings.TryGetValue(value, out var existing))
            {
                return existing;
            }
            if (_strings.Count < 200_000)
            {
                _strings[value] = value;
            }
            return value;
        }
    }
}
