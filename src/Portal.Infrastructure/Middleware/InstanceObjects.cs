using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Infrastructure.Middleware;

/// <summary>
/// An instance's objects in its namespace, created or replaced as rendered. Replacing keeps what the cluster owns (a
/// Service's cluster IP) and what a StatefulSet may not change (its volume claim templates: a larger plan grows the
/// claims themselves instead).
/// </summary>
internal sealed class InstanceObjects(IKubernetes client, string ns)
{
    public async Task ApplyAsync(IKubernetesObject<V1ObjectMeta> o, CancellationToken ct)
    {
        var name = o.Metadata.Name;
        switch (o)
        {
            case V1Secret secret:
                await CreateOrReplaceAsync(
                    secret,
                    () => client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: ct),
                    async () =>
                        (await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: ct))
                            .Metadata
                            .ResourceVersion,
                    () => client.CoreV1.ReplaceNamespacedSecretAsync(secret, name, ns, cancellationToken: ct)
                );
                break;
            case V1ConfigMap map:
                await CreateOrReplaceAsync(
                    map,
                    () => client.CoreV1.CreateNamespacedConfigMapAsync(map, ns, cancellationToken: ct),
                    async () =>
                        (await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: ct))
                            .Metadata
                            .ResourceVersion,
                    () => client.CoreV1.ReplaceNamespacedConfigMapAsync(map, name, ns, cancellationToken: ct)
                );
                break;
            case V1Service service:
                await CreateOrReplaceAsync(
                    service,
                    () => client.CoreV1.CreateNamespacedServiceAsync(service, ns, cancellationToken: ct),
                    async () =>
                    {
                        var current = await client.CoreV1.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct);
                        if (service.Spec.ClusterIP != "None")
                        {
                            service.Spec.ClusterIP = current.Spec?.ClusterIP;
                            service.Spec.ClusterIPs = current.Spec?.ClusterIPs;
                        }
                        return current.Metadata.ResourceVersion;
                    },
                    () => client.CoreV1.ReplaceNamespacedServiceAsync(service, name, ns, cancellationToken: ct)
                );
                break;
            case V1StatefulSet set:
                await CreateOrReplaceAsync(
                    set,
                    () => client.AppsV1.CreateNamespacedStatefulSetAsync(set, ns, cancellationToken: ct),
                    async () =>
                    {
                        var current = await client.AppsV1.ReadNamespacedStatefulSetAsync(
                            name,
                            ns,
                            cancellationToken: ct
                        );
                        await GrowClaimsAsync(set, current, ct);
                        set.Spec.VolumeClaimTemplates = current.Spec.VolumeClaimTemplates;
                        return current.Metadata.ResourceVersion;
                    },
                    () => client.AppsV1.ReplaceNamespacedStatefulSetAsync(set, name, ns, cancellationToken: ct)
                );
                break;
            case V1PodDisruptionBudget budget:
                await CreateOrReplaceAsync(
                    budget,
                    () => client.PolicyV1.CreateNamespacedPodDisruptionBudgetAsync(budget, ns, cancellationToken: ct),
                    async () =>
                        (await client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync(name, ns, cancellationToken: ct))
                            .Metadata
                            .ResourceVersion,
                    () =>
                        client.PolicyV1.ReplaceNamespacedPodDisruptionBudgetAsync(
                            budget,
                            name,
                            ns,
                            cancellationToken: ct
                        )
                );
                break;
            default:
                throw new InvalidOperationException($"{o.Kind} is not a kind an instance has.");
        }
    }

    public async Task DeleteAsync(IKubernetesObject<V1ObjectMeta> o, CancellationToken ct)
    {
        var name = o.Metadata.Name;
        await IgnoreMissingAsync(
            o switch
            {
                V1Secret => () => client.CoreV1.DeleteNamespacedSecretAsync(name, ns, cancellationToken: ct),
                V1ConfigMap => () => client.CoreV1.DeleteNamespacedConfigMapAsync(name, ns, cancellationToken: ct),
                V1Service => () => client.CoreV1.DeleteNamespacedServiceAsync(name, ns, cancellationToken: ct),
                V1StatefulSet => () =>
                    client.AppsV1.DeleteNamespacedStatefulSetAsync(
                        name,
                        ns,
                        propagationPolicy: "Background",
                        cancellationToken: ct
                    ),
                V1PodDisruptionBudget => () =>
                    client.PolicyV1.DeleteNamespacedPodDisruptionBudgetAsync(name, ns, cancellationToken: ct),
                _ => throw new InvalidOperationException($"{o.Kind} is not a kind an instance has."),
            }
        );
    }

    /// <summary>
    /// Deletes the claims by label in one call: a delete of a single claim answers with the claim (it carries the
    /// pvc-protection finalizer) on one API server and a Status on another, while a collection delete reads alike on
    /// both.
    /// </summary>
    public Task DeleteClaimsAsync(string selector, CancellationToken ct) =>
        client.CoreV1.DeleteCollectionNamespacedPersistentVolumeClaimAsync(
            ns,
            labelSelector: selector,
            cancellationToken: ct
        );

    /// <summary>
    /// Changes an annotation of the pod template, which rolls every pod: how a rolling restart is asked for.
    /// </summary>
    public Task AnnotateTemplateAsync(string set, string key, string value, CancellationToken ct) =>
        client.AppsV1.PatchNamespacedStatefulSetAsync(
            new V1Patch(
                JsonSerializer.Serialize(
                    new
                    {
                        spec = new
                        {
                            template = new
                            {
                                metadata = new { annotations = new Dictionary<string, string> { [key] = value } },
                            },
                        },
                    }
                ),
                V1Patch.PatchType.MergePatch
            ),
            set,
            ns,
            cancellationToken: ct
        );

    public Task<V1StatefulSet> ReadStatefulSetAsync(string name, CancellationToken ct) =>
        client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: ct);

    public async Task<IReadOnlyList<V1Pod>> PodsAsync(string selector, CancellationToken ct) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector, cancellationToken: ct)).Items.ToList();

    /// <summary>
    /// A larger plan's storage: each existing claim of a template asks for more (volumes grow, never shrink).
    /// </summary>
    private async Task GrowClaimsAsync(V1StatefulSet desired, V1StatefulSet current, CancellationToken ct)
    {
        foreach (var template in desired.Spec.VolumeClaimTemplates ?? [])
        {
            if (template.Spec?.Resources?.Requests?.TryGetValue("storage", out var wanted) != true)
                continue;
            for (var ordinal = 0; ordinal < (current.Spec.Replicas ?? 1); ordinal++)
            {
                var claim = $"{template.Metadata.Name}-{current.Metadata.Name}-{ordinal}";
                V1PersistentVolumeClaim existing;
                try
                {
                    existing = await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync(
                        claim,
                        ns,
                        cancellationToken: ct
                    );
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    continue;
                }
                ResourceQuantity? had = null;
                if (
                    existing.Spec?.Resources?.Requests?.TryGetValue("storage", out had) == true
                    && had.ToDecimal() >= wanted!.ToDecimal()
                )
                    continue;
                await client.CoreV1.PatchNamespacedPersistentVolumeClaimAsync(
                    new V1Patch(
                        JsonSerializer.Serialize(
                            new { spec = new { resources = new { requests = new { storage = wanted!.ToString() } } } }
                        ),
                        V1Patch.PatchType.MergePatch
                    ),
                    claim,
                    ns,
                    cancellationToken: ct
                );
            }
        }
    }

    private static async Task CreateOrReplaceAsync<T>(
        T desired,
        Func<Task> create,
        Func<Task<string>> read,
        Func<Task> replace
    )
        where T : IKubernetesObject<V1ObjectMeta>
    {
        try
        {
            await create();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            desired.Metadata.ResourceVersion = await read();
            await replace();
        }
    }

    private static async Task IgnoreMissingAsync(Func<Task> delete)
    {
        try
        {
            await delete();
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Not there: never made, or removed by an earlier run.
        }
    }
}
