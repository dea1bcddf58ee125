using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Portal.Sandbox.Admission;
using Portal.Sandbox.Api;
using Portal.Sandbox.Common;
using Portal.Sandbox.Patching;

namespace Portal.Sandbox.Storage;

/// <summary>
/// The write path of the API server: defaulting, validation, admission, optimistic concurrency and garbage
/// collection in front of the <see cref="ResourceStore"/>. HTTP handlers and the simulated controllers both
/// write through it, so controller writes obey the same rules (quota, limit ranges) as client writes.
/// </summary>
public sealed class ResourceRegistry(ResourceStore store, TimeProvider time)
{
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public ResourceStore Store { get; } = store;

    public TimeProvider Time { get; } = time;

    public string Now => Clock.Rfc3339(Time.GetUtcNow());

    public StoredObject Get(ResourceKind kind, string? ns, string name) =>
        Store.Get(kind, ns, name) ?? throw ApiException.NotFound(kind, name);

    public StoredObject Create(ResourceKind kind, string? ns, JsonObject obj, bool dryRun = false)
    {
        obj["apiVersion"] = kind.ApiVersion;
        obj["kind"] = kind.Kind;
        var metadata = obj.Ensure("metadata");
        if (kind.Namespaced)
        {
            var bodyNamespace = metadata.Str("namespace");
            if (bodyNamespace is not null && ns is not null && bodyNamespace != ns)
            {
                throw ApiException.BadRequest(
                    "the namespace of the provided object does not match the namespace sent on the request"
                );
            }
            metadata["namespace"] = ns ?? bodyNamespace ?? "default";
        }
        else
        {
            metadata.Remove("namespace");
        }
        if (metadata.Str("resourceVersion") is { Length: > 0 })
        {
            throw ApiException.BadRequest("resourceVersion should not be set on objects to be created");
        }
        foreach (
            var serverField in new[]
            {
                "uid",
                "creationTimestamp",
                "deletionTimestamp",
                "generation",
                "managedFields",
                "selfLink",
            }
        )
        {
            metadata.Remove(serverField);
        }
        var namespaceName = metadata.Str("namespace");
        lock (Store.SyncRoot)
        {
            if (string.IsNullOrEmpty(metadata.Str("name")) && metadata.Str("generateName") is { Length: > 0 } prefix)
            {
                string candidate;
                do
                {
                    candidate = prefix + RandomSuffix();
                } while (Store.Get(kind, namespaceName, candidate) is not null);
                metadata["name"] = candidate;
            }
            var name = metadata.Str("name") ?? "";
            ObjectValidation.Validate(kind, obj);
            if (Store.Get(kind, namespaceName, name) is not null)
            {
                throw ApiException.AlreadyExists(kind, name);
            }
            if (kind.Namespaced)
            {
                var owningNamespace = Store.Get(ResourceKinds.Namespace, null, namespaceName!)
                    ?? throw ApiException.NotFound(ResourceKinds.Namespace, namespaceName!);
                if (owningNamespace.Terminating)
                {
                    throw ApiException.Forbidden(
                        kind,
                        name,
                        $"unable to create new content in namespace {namespaceName} because it is being terminated"
                    );
                }
            }
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Now;
            if (kind.HasSpec)
            {
                metadata["generation"] = 1;
            }
            ObjectDefaults.Apply(kind, obj);
            if (kind == ResourceKinds.Pod)
            {
                PodNodeSelector.Apply(Store, obj, name);
                LimitRangeDefaults.Apply(Store, obj, name);
                PodSecurityAdmission.Admit(Store, obj);
                obj.Ensure("status")["qosClass"] = ObjectDefaults.QosClass(obj.Ensure("spec"));
            }
            QuotaAdmission.Admit(Store, kind, obj);
            if (dryRun)
            {
                return StoredObject.FromJson(kind, obj, Store.ResourceVersion, Store.Strings);
            }
            return Store.Add(kind, obj);
        }
    }

    /// <summary>PUT: replaces the object (or only its status), refusing stale resourceVersions.</summary>
    public StoredObject Update(
        ResourceKind kind,
        string? ns,
        string name,
        JsonObject obj,
        bool statusOnly,
        bool dryRun = false
    )
    {
        var bodyName = obj.Str("metadata", "name");
        if (bodyName is not null && bodyName != name)
        {
            throw ApiException.BadRequest(
                $"the name of the object ({bodyName}) does not match the name on the URL ({name})"
            );
        }
        lock (Store.SyncRoot)
        {
            var current = Get(kind, ns, name);
            return Replace(current, obj, statusOnly, dryRun);
        }
    }

    public StoredObject Patch(
        ResourceKind kind,
        string? ns,
        string name,
        string contentType,
        JsonNode? patch,
        bool statusOnly,
        bool dryRun = false
    )
    {
        lock (Store.SyncRoot)
        {
            var current = Get(kind, ns, name);
            var patched = ObjectPatches.Apply(current.Parse(), contentType, patch);
            if (patched.Str("metadata", "resourceVersion") is null)
            {
                patched.Ensure("metadata")["resourceVersion"] = current.ResourceVersion.ToString(
                    System.Globalization.CultureInfo.InvariantCulture
                );
            }
            return Replace(current, patched, statusOnly, dryRun);
        }
    }

    /// <summary>
    /// A controller-side read-modify-write done atomically. The callback returns false to skip the write;
    /// writes that change nothing are skipped too, so reconcile loops settle.
    /// </summary>
    public StoredObject? Mutate(ResourceKind kind, string? ns, string name, Func<JsonObject, bool> mutate)
    {
        lock (Store.SyncRoot)
        {
            var current = Store.Get(kind, ns, name);
            if (current is null)
            {
                return null;
            }
            var original = current.Parse();
            var updated = original.CloneObject();
            if (!mutate(updated) || JsonNode.DeepEquals(original, updated))
            {
                return current;
            }
            BumpGeneration(kind, original, updated);
            return Store.Replace(kind, updated);
        }
    }

    public StoredObject Delete(
        ResourceKind kind,
        string? ns,
        string name,
        string? propagationPolicy = null,
        bool dryRun = false
    )
    {
        lock (Store.SyncRoot)
        {
            var current = Get(kind, ns, name);
            if (dryRun)
            {
                return current;
            }
            if (kind == ResourceKinds.Namespace)
            {
                return DeleteNamespace(current);
            }
            if (propagationPolicy == "Orphan")
            {
                foreach (var dependent in Store.Dependents(current.Uid))
                {
                    Mutate(dependent.Kind, dependent.Namespace, dependent.Name, o =>
                    {
                        var refs = o.Arr("metadata", "ownerReferences");
                        refs?.Where(r => r.Str("uid") == current.Uid).ToList().ForEach(r => refs.Remove(r));
                        if (refs?.Count == 0)
                        {
                            o.Ensure("metadata").Remove("ownerReferences");
                        }
                        return true;
                    });
                }
                return Store.Remove(Store.Get(kind, ns, name) ?? current);
            }
            if (propagationPolicy == "Foreground")
            {
                DeleteDependents(current.Uid);
                return Store.Remove(Store.Get(kind, ns, name) ?? current);
            }
            var deleted = Store.Remove(current);
            DeleteDependents(current.Uid);
            return deleted;
        }
    }

    private void DeleteDependents(string ownerUid)
    {
        foreach (var dependent in Store.Dependents(ownerUid))
        {
            var stillOwned = dependent.OwnerUids.Any(uid => uid != ownerUid && Store.GetByUid(uid) is not null);
            if (stillOwned)
            {
                continue;
            }
            Store.Remove(dependent);
            DeleteDependents(dependent.Uid);
        }
    }

    private StoredObject DeleteNamespace(StoredObject current)
    {
        var terminating = current.Parse();
        terminating.Ensure("metadata")["deletionTimestamp"] = Now;
        terminating.Ensure("status")["phase"] = "Terminating";
        var marked = Store.Replace(ResourceKinds.Namespace, terminating);
        foreach (var kind in ResourceKinds.All.Where(k => k.Namespaced))
        {
            foreach (var item in Store.List(kind, current.Name))
            {
                Store.Remove(item);
            }
        }
        Store.Remove(marked);
        return marked;
    }

    private StoredObject Replace(StoredObject current, JsonObject incoming, bool statusOnly, bool dryRun)
    {
        var kind = current.Kind;
        var requestedVersion = incoming.Str("metadata", "resourceVersion");
        if (
            !string.IsNullOrEmpty(requestedVersion)
            && requestedVersion != current.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)
        )
        {
            throw ApiException.Conflict(kind, current.Name);
        }
        var original = current.Parse();
        JsonObject updated;
        if (statusOnly)
        {
            updated = original.CloneObject();
            updated["status"] = incoming["status"]?.DeepClone();
        }
        else
        {
            updated = incoming.CloneObject();
            updated["apiVersion"] = kind.ApiVersion;
            updated["kind"] = kind.Kind;
            var metadata = updated.Ensure("metadata");
            var originalMetadata = original.Obj("metadata")!;
            foreach (
                var preserved in new[]
                {
                    "name",
                    "namespace",
                    "uid",
                    "creationTimestamp",
                    "generation",
                    "deletionTimestamp",
                }
            )
            {
                metadata[preserved] = originalMetadata[preserved]?.DeepClone();
                if (metadata[preserved] is null)
                {
                    metadata.Remove(preserved);
                }
            }
            if (kind.HasStatus)
            {
                updated["status"] = original["status"]?.DeepClone();
                if (updated["status"] is null)
                {
                    updated.Remove("status");
                }
            }
            if (kind == ResourceKinds.Secret)
            {
                ObjectDefaults.FoldStringData(updated);
            }
            ObjectValidation.Validate(kind, updated);
        }
        BumpGeneration(kind, original, updated);
        if (dryRun)
        {
            return StoredObject.FromJson(kind, updated, current.ResourceVersion, Store.Strings);
        }
        return Store.Replace(kind, updated);
    }

    private static void BumpGeneration(ResourceKind kind, JsonObject original, JsonObject updated)
    {
        if (kind.HasSpec && !JsonNode.DeepEquals(original["spec"], updated["spec"]))
        {
            updated.Ensure("metadata")["generation"] = (original.Long("metadata", "generation") ?? 1) + 1;
        }
    }

    internal static string RandomSuffix(int length = 5)
    {
        Span<char> chars = stackalloc char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = NameAlphabet[RandomNumberGenerator.GetInt32(NameAlphabet.Length)];
        }
        return new string(chars);
    }
}
