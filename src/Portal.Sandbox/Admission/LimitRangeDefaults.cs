using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Admission;

/// <summary>The LimitRanger admission plugin: container defaults from LimitRange, then min/max checks.</summary>
internal static class LimitRangeDefaults
{
    public static void Apply(ResourceStore store, JsonObject pod, string name)
    {
        var ns = pod.Str("metadata", "namespace") ?? "";
        var items = store
            .List(ResourceKinds.LimitRange, ns)
            .SelectMany(lr => lr.Parse().Arr("spec", "limits").Objects())
            .Where(item => item.Str("type") == "Container")
            .ToList();
        if (items.Count == 0)
        {
            return;
        }
        var notes = new List<string>();
        foreach (var container in pod.Arr("spec", "containers").Objects())
        {
            var resources = container.Ensure("resources");
            var setRequests = new List<string>();
            var setLimits = new List<string>();
            foreach (var item in items)
            {
                foreach (var (resource, value) in item.Obj("default").StringMap())
                {
                    var limits = resources.Ensure("limits");
                    if (limits[resource] is null)
                    {
                        limits[resource] = value;
                        setLimits.Add(resource);
                    }
                }
                foreach (var (resource, value) in item.Obj("defaultRequest").StringMap())
                {
                    var requests = resources.Ensure("requests");
                    if (requests[resource] is null)
                    {
                        requests[resource] = value;
                        setRequests.Add(resource);
                    }
                }
            }
            foreach (var (resource, value) in resources.Obj("limits").StringMap())
            {
                var requests = resources.Ensure("requests");
                if (requests[resource] is null)
                {
                    requests[resource] = value;
                    setRequests.Add(resource);
                }
            }
            var containerName = container.Str("name");
            if (setRequests.Count > 0)
            {
                notes.Add($"{string.Join(", ", setRequests.Distinct())} request for container {containerName}");
            }
            if (setLimits.Count > 0)
            {
                notes.Add($"{string.Join(", ", setLimits.Distinct())} limit for container {containerName}");
            }
            foreach (var item in items)
            {
                CheckBounds(item, resources, name);
            }
        }
        if (notes.Count > 0)
        {
            pod.Ensure("metadata", "annotations")["kubernetes.io/limit-ranger"] =
                "LimitRanger plugin set: " + string.Join("; ", notes);
        }
    }

    private static void CheckBounds(JsonObject item, JsonObject resources, string podName)
    {
        foreach (var (resource, max) in item.Obj("max").StringMap())
        {
            if (
                Quantity.TryParse(resources.Str("limits", resource), out var limit)
                && limit.Value > Quantity.Parse(max).Value
            )
            {
                throw ApiException.Forbidden(
                    ResourceKinds.Pod,
                    podName,
                    $"maximum {resource} usage per Container is {max}, but limit is {resources.Str("limits", resource)}"
                );
            }
        }
        foreach (var (resource, min) in item.Obj("min").StringMap())
        {
            if (
                Quantity.TryParse(resources.Str("requests", resource), out var request)
                && request.Value < Quantity.Parse(min).Value
            )
            {
                throw ApiException.Forbidden(
                    ResourceKinds.Pod,
                    podName,
                    $"minimum {resource} usage per Container is {min}, but request is "
                        + $"{resources.Str("requests", resource)}"
                );
            }
        }
    }
}
