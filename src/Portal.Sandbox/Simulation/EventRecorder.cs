using System.Globalization;
using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Hosting;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>Writes core v1 Events the way client-go's recorder does: repeats bump count and lastTimestamp.</summary>
internal sealed class EventRecorder(ResourceRegistry registry, SandboxOptions options)
{
    private readonly Dictionary<string, string> _eventByCause = new(StringComparer.Ordinal);
    private readonly Queue<(string Namespace, string Name, string Cause)> _created = new();
    private readonly Lock _gate = new();

    public void Normal(StoredObject involved, string reason, string message, string component) =>
        Record(involved, "Normal", reason, message, component);

    public void Warning(StoredObject involved, string reason, string message, string component) =>
        Record(involved, "Warning", reason, message, component);

    public void Record(StoredObject involved, string type, string reason, string message, string component)
    {
        var ns = involved.Namespace.Length == 0 ? "default" : involved.Namespace;
        var cause = $"{involved.Uid}|{reason}|{message}";
        var now = registry.Now;
        lock (_gate)
        {
            if (
                _eventByCause.TryGetValue(cause, out var existing)
                && registry.Mutate(ResourceKinds.Event, ns, existing, e =>
                {
                    e["count"] = (e.Long("count") ?? 1) + 1;
                    e["lastTimestamp"] = now;
                    return true;
                }) is not null
            )
            {
                return;
            }
            var name = $"{involved.Name}.{registry.Time.GetUtcNow().UtcTicks:x}{_created.Count % 997:x3}";
            var evt = new JsonObject
            {
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
                ["involvedObject"] = new JsonObject
                {
                    ["kind"] = involved.Kind.Kind,
                    ["namespace"] = involved.Namespace.Length == 0 ? null : involved.Namespace,
                    ["name"] = involved.Name,
                    ["uid"] = involved.Uid,
                    ["apiVersion"] = involved.Kind.ApiVersion,
                    ["resourceVersion"] = involved.ResourceVersion.ToString(CultureInfo.InvariantCulture),
                },
                ["reason"] = reason,
                ["message"] = message,
                ["source"] = new JsonObject { ["component"] = component },
                ["firstTimestamp"] = now,
                ["lastTimestamp"] = now,
                ["count"] = 1,
                ["type"] = type,
                ["eventTime"] = null,
                ["reportingComponent"] = component,
                ["reportingInstance"] = "",
            };
            if (involved.Kind == ResourceKinds.Pod && involved.NodeName is { } node && component == "kubelet")
            {
                evt.Obj("source")!["host"] = node;
            }
            try
            {
                registry.Create(ResourceKinds.Event, ns, evt);
            }
            catch (ApiException)
            {
                return;
            }
            _eventByCause[cause] = name;
            _created.Enqueue((ns, name, cause));
            while (_created.Count > options.MaxEvents)
            {
                var (oldNamespace, oldName, oldCause) = _created.Dequeue();
                _eventByCause.Remove(oldCause);
                if (registry.Store.Get(ResourceKinds.Event, oldNamespace, oldName) is not null)
                {
                    registry.Delete(ResourceKinds.Event, oldNamespace, oldName);
                }
            }
        }
    }
}
