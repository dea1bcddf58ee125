using System.Text.Json.Nodes;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Storage;

namespace Portal.Sandbox.Simulation;

/// <summary>Runs Job pods up to parallelism until completions succeed, or fails the Job past backoffLimit.</summary>
internal sealed class JobController(ResourceRegistry registry, EventRecorder events) : IController
{
    private const string Component = "job-controller";

    private readonly WorkQueue _queue = new();

    public void Observe(ChangeEvent change, DateTimeOffset now)
    {
        var item = change.Object;
        if (item.Kind == ResourceKinds.Job && change.Type != ChangeType.Deleted)
        {
            _queue.Add(ObjectKeys.Of(item));
        }
        else if (
            item.Kind == ResourceKinds.Pod
            && ObjectKeys.ControllerOf(registry.Store, item, ResourceKinds.Job) is { } owner
        )
        {
            _queue.Add(ObjectKeys.Of(owner));
        }
    }

    public void Reconcile(DateTimeOffset now)
    {
        foreach (var key in _queue.TakeReady(now))
        {
            var (ns, name) = ObjectKeys.Split(key);
            if (registry.Store.Get(ResourceKinds.Job, ns, name) is { } job)
            {
                Sync(job, now);
            }
        }
    }

    private static bool Finished(JsonObject job) =>
        job.Arr("status", "conditions")
            .Objects()
            .Any(c => c.Str("type") is "Complete" or "Failed" && c.Str("status") == "True");

    private void Sync(StoredObject job, DateTimeOffset now)
    {
        var obj = job.Parse();
        if (Finished(obj))
        {
            return;
        }
        var completions = (int)(obj.Long("spec", "completions") ?? 1);
        var parallelism = (int)(obj.Long("spec", "parallelism") ?? 1);
        var backoffLimit = (int)(obj.Long("spec", "backoffLimit") ?? 6);
        var pods = registry.Store.Dependents(job.Uid).Where(p => p.Kind == ResourceKinds.Pod).ToList();
        var succeeded = pods.Count(p => p.Phase == "Succeeded");
        var failed = pods.Count(p => p.Phase == "Failed");
        var active = pods.Count(p => p.IsActivePod && !p.Terminating);
        var stamp = Clock.Rfc3339(now);
        var done = succeeded >= completions;
        var failedOut = failed > backoffLimit;
        if (!done && !failedOut && obj.Bool("spec", "suspend") != true)
        {
            var toCreate = Math.Min(parallelism - active, completions - succeeded - active);
            var template = obj.Obj("spec", "template")!;
            for (var i = 0; i < toCreate; i++)
            {
                var pod = template.CloneObject();
                var metadata = pod.Ensure("metadata");
                metadata["generateName"] = job.Name + "-";
                metadata["namespace"] = job.Namespace;
                metadata["ownerReferences"] = new JsonArray(
                    ObjectKeys.OwnerReference(ResourceKinds.Job, job.Name, job.Uid)
                );
                try
                {
                    var created = registry.Create(ResourceKinds.Pod, job.Namespace, pod);
                    events.Normal(job, "SuccessfulCreate", $"Created pod: {created.Name}", Component);
                    active++;
                }
                catch (ApiException e)
                {
                    events.Warning(job, "FailedCreate", $"Error creating: {e.Message}", Component);
                    _queue.AddAfter(ObjectKeys.Of(job), now + TimeSpan.FromSeconds(1));
                    break;
                }
            }
        }
        var updated = registry.Mutate(ResourceKinds.Job, job.Namespace, job.Name, o =>
        {
            var status = o.Ensure("status");
            status["startTime"] ??= stamp;
            status["active"] = done || failedOut ? 0 : active;
            status["succeeded"] = succeeded;
            status["failed"] = failed;
            status["ready"] = pods.Count(p => p.Ready);
            status["terminating"] = 0;
            if (status.Long("active") == 0 && !(done || failedOut))
            {
                status.Remove("active");
            }
            if (done)
            {
                status["completionTime"] = stamp;
                status.SetCondition(
                    "SuccessCriteriaMet",
                    "True",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                    stamp,
                    withProbeTimes: true
                );
                status.SetCondition(
                    "Complete",
                    "True",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                    stamp,
                    withProbeTimes: true
                );
            }
            else if (failedOut)
            {
                status.SetCondition(
                    "FailureTarget",
                    "True",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    stamp,
                    withProbeTimes: true
                );
                status.SetCondition(
                    "Failed",
                    "True",
                    "BackoffLimitExceeded",
                    "Job has reached the specified backoff limit",
                    stamp,
                    withProbeTimes: true
                );
            }
            return true;
        });
        if (updated is not null && done)
        {
            events.Normal(updated, "Completed", "Job completed", Component);
        }
        else if (updated is not null && failedOut)
        {
            events.Warning(updated, "BackoffLimitExceeded", "Job has reached the specified backoff limit", Component);
        }
    }
}
