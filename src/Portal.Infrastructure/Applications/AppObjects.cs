using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// An application's objects in one namespace, created or replaced as rendered; those the spec no longer calls for
/// are deleted. Replacing keeps what the cluster owns: a Service's cluster IP, and the replica count of a Deployment
/// that an autoscaler drives.
/// </summary>
internal sealed class AppObjects(IKubernetes client, string ns, string app)
{
    public async Task ApplyConfigAsync(AppManifests manifests, CancellationToken ct)
    {
        if (manifests.ConfigMap is { } configMap)
        {
            await ApplyAsync(
                configMap,
                () => client.CoreV1.CreateNamespacedConfigMapAsync(configMap, ns, cancellationToken: ct),
                async () =>
                    (
                        await client.CoreV1.ReadNamespacedConfigMapAsync(
                            configMap.Metadata.Name,
                            ns,
                            cancellationToken: ct
                        )
                    ).Metadata,
                () =>
                    client.CoreV1.ReplaceNamespacedConfigMapAsync(
                        configMap,
                        configMap.Metadata.Name,
                        ns,
                        cancellationToken: ct
                    )
            );
        }
        else
        {
            await DeleteAsync(() =>
                client.CoreV1.DeleteNamespacedConfigMapAsync(
                    ApplicationManifests.ConfigMapName(app),
                    ns,
                    cancellationToken: ct
                )
            );
        }

        if (manifests.Secret is { } secret)
        {
            await ApplyAsync(
                secret,
                () => client.CoreV1.CreateNamespacedSecretAsync(secret, ns, cancellationToken: ct),
                async () =>
                    (
                        await client.CoreV1.ReadNamespacedSecretAsync(secret.Metadata.Name, ns, cancellationToken: ct)
                    ).Metadata,
                () =>
                    client.CoreV1.ReplaceNamespacedSecretAsync(secret, secret.Metadata.Name, ns, cancellationToken: ct)
            );
        }
        else
        {
            await DeleteAsync(() =>
                client.CoreV1.DeleteNamespacedSecretAsync(
                    ApplicationManifests.SecretName(app),
                    ns,
                    cancellationToken: ct
                )
            );
        }
    }

    public async Task ApplyDeploymentAsync(V1Deployment deployment, CancellationToken ct)
    {
        try
        {
            await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var current = await client.AppsV1.ReadNamespacedDeploymentAsync(app, ns, cancellationToken: ct);
            deployment.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
            // Left out of the rendering when an autoscaler owns the count: keep what it decided.
            deployment.Spec.Replicas ??= current.Spec.Replicas;
            await client.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, app, ns, cancellationToken: ct);
        }
    }

    public async Task ApplyServiceAsync(V1Service? service, CancellationToken ct)
    {
        if (service is null)
        {
            await DeleteAsync(() => client.CoreV1.DeleteNamespacedServiceAsync(app, ns, cancellationToken: ct));
            return;
        }
        try
        {
            await client.CoreV1.CreateNamespacedServiceAsync(service, ns, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var current = await client.CoreV1.ReadNamespacedServiceAsync(app, ns, cancellationToken: ct);
            service.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
            service.Spec.ClusterIP = current.Spec?.ClusterIP;
            service.Spec.ClusterIPs = current.Spec?.ClusterIPs;
            await client.CoreV1.ReplaceNamespacedServiceAsync(service, app, ns, cancellationToken: ct);
        }
    }

    public async Task ApplyIngressAsync(V1Ingress? ingress, CancellationToken ct)
    {
        if (ingress is null)
        {
            await DeleteAsync(() => client.NetworkingV1.DeleteNamespacedIngressAsync(app, ns, cancellationToken: ct));
            return;
        }
        await ApplyAsync(
            ingress,
            () => client.NetworkingV1.CreateNamespacedIngressAsync(ingress, ns, cancellationToken: ct),
            async () => (await client.NetworkingV1.ReadNamespacedIngressAsync(app, ns, cancellationToken: ct)).Metadata,
            () => client.NetworkingV1.ReplaceNamespacedIngressAsync(ingress, app, ns, cancellationToken: ct)
        );
    }

    public async Task ApplyAutoscalerAsync(V2HorizontalPodAutoscaler? autoscaler, CancellationToken ct)
    {
        if (autoscaler is null)
        {
            await DeleteAsync(() =>
                client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync(app, ns, cancellationToken: ct)
            );
            return;
        }
        await ApplyAsync(
            autoscaler,
            () =>
                client.AutoscalingV2.CreateNamespacedHorizontalPodAutoscalerAsync(
                    autoscaler,
                    ns,
                    cancellationToken: ct
                ),
            async () =>
                (
                    await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(
                        app,
                        ns,
                        cancellationToken: ct
                    )
                ).Metadata,
            () =>
                client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerAsync(
                    autoscaler,
                    app,
                    ns,
                    cancellationToken: ct
                )
        );
    }

    public Task ScaleAsync(int replicas, CancellationToken ct) =>
        client.AppsV1.PatchNamespacedDeploymentScaleAsync(
            MergePatch(new { spec = new { replicas } }),
            app,
            ns,
            cancellationToken: ct
        );

    /// <summary>
    /// Changes an annotation of the pod template, which rolls every pod: how a rolling restart is asked for.
    /// </summary>
    public Task AnnotateTemplateAsync(string key, string value, CancellationToken ct) =>
        client.AppsV1.PatchNamespacedDeploymentAsync(
            MergePatch(
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
            app,
            ns,
            cancellationToken: ct
        );

    public async Task DeleteAllAsync(CancellationToken ct)
    {
        await DeleteAsync(() =>
            client.AutoscalingV2.DeleteNamespacedHorizontalPodAutoscalerAsync(app, ns, cancellationToken: ct)
        );
        await DeleteAsync(() => client.NetworkingV1.DeleteNamespacedIngressAsync(app, ns, cancellationToken: ct));
        await DeleteAsync(() => client.CoreV1.DeleteNamespacedServiceAsync(app, ns, cancellationToken: ct));
        await DeleteAsync(() =>
            client.AppsV1.DeleteNamespacedDeploymentAsync(
                app,
                ns,
                propagationPolicy: "Background",
                cancellationToken: ct
            )
        );
        await DeleteAsync(() =>
            client.CoreV1.DeleteNamespacedSecretAsync(ApplicationManifests.SecretName(app), ns, cancellationToken: ct)
        );
        await DeleteAsync(() =>
            client.CoreV1.DeleteNamespacedConfigMapAsync(
                ApplicationManifests.ConfigMapName(app),
                ns,
                cancellationToken: ct
            )
        );
    }

    private static async Task ApplyAsync<T>(
        T desired,
        Func<Task> create,
        Func<Task<V1ObjectMeta>> read,
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
            desired.Metadata.ResourceVersion = (await read()).ResourceVersion;
            await replace();
        }
    }

    private static async Task DeleteAsync(Func<Task> delete)
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

    private static V1Patch MergePatch(object body) => new(JsonSerializer.Serialize(body), V1Patch.PatchType.MergePatch);
}
