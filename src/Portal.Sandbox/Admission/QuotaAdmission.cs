using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Admission;

/// <summary>ResourceQuota usage arithmetic, shared by admission (reject on create) and the status controller.</summary>
internal static class QuotaAdmission
{
    private static readonly Dictionary<string, ResourceKind> CountedByPlainName = new(StringComparer.Ordinal)
    {
        ["pods"] = ResourceKinds.Pod,
        ["services"] = ResourceKinds.Service,
        ["configmaps"] = ResourceKinds.ConfigMap,
        ["secrets"] = ResourceKinds.Secret,
        ["persistentvolumeclaims"] = ResourceKinds.PersistentVolumeClaim,
        ["resourcequotas"] = ResourceKinds.ResourceQuota,
    };

    /// <summary>
    /// Rejects the create with the ResourceQuota admission plugin's message when a quota would be exceeded.
    /// </summary>
    public static void Admit(ResourceStore store, ResourceKind kind, JsonObject obj)
    {
        var ns = obj.Str("metadata", "namespace") ?? "";
        var name = obj.Str("metadata", "name") ?? "";
        var quotas = store.List(ResourceKinds.ResourceQuota, ns);
        if (quotas.Count == 0)
        {
            return;
        }
        var contribution = Contribution(kind, obj);
        if (contribution.Count == 0)
        {
            return;
        }
        foreach (var quota in quotas)
        {
            var quotaObject = quota.Parse();
            var hard = quotaObject
                .Obj("spec", "hard")
                .StringMap()
                .ToDictionary(p => Canonical(p.Key), p => Quantity.Parse(p.Value));
            if (kind == ResourceKinds.Pod)
            {
                RequireSpecified(obj, hard.Keys, quota.Name, name);
            }
            var tracked = hard.Keys.Where(contribution.ContainsKey).ToList();
            if (tracked.Count == 0)
            {
                continue;
            }
            var used = Usage(store, ns, tracked);
            var exceeded = tracked
                .Where(r => used[r].Value + contribution[r].Value > hard[r].Value)
                .Order(StringComparer.Ordinal)
                .ToList();
            if (exceeded.Count > 0)
            {
                string Join(Func<string, Quantity> pick) => string.Join(",", exceeded.Select(r => $"{r}={pick(r)}"));
                throw ApiException.Forbidden(
                    kind,
                    name,
                    $"exceeded quota: {quota.Name}, requested: {Join(r => contribution[r])}, "
                        + $"used: {Join(r => used[r])}, limited: {Join(r => hard[r])}"
                );
            }
        }
    }

    /// <summary>Current usage in a namespace for the given quota resource names.</summary>
    public static Dictionary<string, Quantity> Usage(ResourceStore store, string ns, IEnumerable<string> resources)
    {
        var usage = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        List<StoredObject>? pods = null;
        foreach (var resource in resources.Select(Canonical).Distinct())
        {
            if (IsPodCompute(resource))
            {
                pods ??= store.List(ResourceKinds.Pod, ns).Where(p => p.IsActivePod && !p.Terminating).ToList();
                usage[resource] = resource switch
                {
                    "requests.cpu" => Quantity.FromMilli(pods.Sum(p => p.Requests.CpuMilli)),
                    "limits.cpu" => Quantity.FromMilli(pods.Sum(p => p.Limits.CpuMilli)),
                    "requests.memory" => Quantity.FromBytes(pods.Sum(p => p.Requests.MemoryBytes)),
                    _ => Quantity.FromBytes(pods.Sum(p => p.Limits.MemoryBytes)),
                };
            }
            else if (resource == "requests.storage")
            {
                var total = store
                    .List(ResourceKinds.PersistentVolumeClaim, ns)
                    .Sum(p =>
                        Quantity.TryParse(p.Parse().Str("spec", "resources", "requests", "storage"), out var q)
                            ? q.IntegerValue
                            : 0
                    );
                usage[resource] = Quantity.FromBytes(total);
            }
            else if (CountedKind(resource) is { } counted)
            {
                var count =
                    counted == ResourceKinds.Pod
                        ? store.List(counted, ns).Count(p => p.IsActivePod && !p.Terminating)
                        : store.List(counted, ns).Count;
                usage[resource] = new Quantity(count, QuantityFormat.DecimalSI);
            }
        }
        return usage;
    }

    /// <summary>What one new object adds to each quota resource.</summary>
    public static Dictionary<string, Quantity> Contribution(ResourceKind kind, JsonObject obj)
    {
        var result = new Dictionary<string, Quantity>(StringComparer.Ordinal);
        var one = new Quantity(1, QuantityFormat.DecimalSI);
        foreach (var (name, counted) in CountedByPlainName)
        {
            if (counted == kind)
            {
                result[name] = one;
            }
        }
        result[CountName(kind)] = one;
        if (kind == ResourceKinds.Pod)
        {
            var (requests, limits) = ResourceAmounts.OfPodSpec(obj.Obj("spec"));
            result["requests.cpu"] = Quantity.FromMilli(requests.CpuMilli);
            result["requests.memory"] = Quantity.FromBytes(requests.MemoryBytes);
            result["limits.cpu"] = Quantity.FromMilli(limits.CpuMilli);
            result["limits.memory"] = Quantity.FromBytes(limits.MemoryBytes);
        }
        else if (
            kind == ResourceKinds.PersistentVolumeClaim
            && Quantity.TryParse(obj.Str("spec", "resources", "requests", "storage"), out var storage)
        )
        {
            result["requests.storage"] = storage;
        }
        return result;
    }

    public static string Canonical(string resource) =>
        resource switch
        {
            "cpu" => "requests.cpu",
            "memory" => "requests.memory",
            _ => resource,
        };

    private static bool IsPodCompute(string resource) =>
        resource is "requests.cpu" or "requests.memory" or "limits.cpu" or "limits.memory";

    private static string CountName(ResourceKind kind) => "count/" + kind.GroupResource;

    private static ResourceKind? CountedKind(string resource)
    {
        if (CountedByPlainName.TryGetValue(resource, out var kind))
        {
            return kind;
        }
        return resource.StartsWith("count/", StringComparison.Ordinal)
            ? ResourceKinds.All.FirstOrDefault(k => CountName(k) == resource)
            : null;
    }

    private static void RequireSpecified(JsonObject pod, IEnumerable<string> hard, string quotaName, string podName)
    {
        var missing = new List<string>();
        foreach (var resource in hard.Where(IsPodCompute).Order(StringComparer.Ordinal))
        {
            var parts = resource.Split('.');
            var lacking = pod.Arr("spec", "containers")
                .Objects()
                .Where(c => c.Str("resources", parts[0], parts[1]) is null)
                .Select(c => c.Str("name"))
                .ToList();
            if (lacking.Count > 0)
            {
                missing.Add($"{resource} for: {string.Join(",", lacking)}");
            }
        }
        if (missing.Count > 0)
        {
            throw ApiException.Forbidden(
                ResourceKinds.Pod,
                podName,
                $"failed quota: {quotaName}: must specify {string.Join("; ", missing)}"
            );
        }
    }
}
