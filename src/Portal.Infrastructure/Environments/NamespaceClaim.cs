using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Portal.Domain.Clusters;
using Portal.Domain.Environments;

namespace Portal.Infrastructure.Environments;

/// <summary>
/// An environment's namespace exists in the cluster but is not the environment's own: the portal leaves it alone.
/// </summary>
public sealed class NamespaceNotOwnedException(string @namespace)
    : Exception(
        $"Namespace '{@namespace}' exists but was not made by the portal for this environment; it was left untouched. "
            + "Delete this environment and choose another name, or have a platform admin remove the namespace."
    );

/// <summary>
/// The environment's namespace is not in the cluster: not made yet, or deleted by hand (drift repair makes it again).
/// </summary>
public sealed class NamespaceMissingException(string @namespace, string environment)
    : Exception(
        $"Namespace '{@namespace}' of environment '{environment}' is not in the "
            + "cluster: the environment is still being made, or its namespace "
            + "was deleted by hand and is made again within minutes. Nothing was "
            + "changed; try again once the environment is ready."
    );

/// <summary>
/// The portal changes or deletes a namespace only when it is the environment's own: labelled with the environment's
/// tenant id and environment id. A namespace made by an earlier version of the portal, labelled with the tenant's slug
/// and the environment's name only, counts as the environment's when it was made after the environment was created; one
/// that an earlier tenant of the same slug left behind, or a system namespace, is older than the environment and never
/// does.
/// </summary>
public static class NamespaceClaim
{
    /// <summary>How far the cluster's clock (which counts whole seconds) may trail the portal's.</summary>
    private static readonly TimeSpan ClockSlack = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);

    public static bool IsOwnedBy(V1Namespace ns, Ownership owner, DateTime environmentCreatedAt) =>
        IsOwnedBy(ns.Metadata.Labels, ns.Metadata.CreationTimestamp, owner, environmentCreatedAt);

    public static bool IsOwnedBy(ClusterNamespace ns, Ownership owner, DateTime environmentCreatedAt) =>
        IsOwnedBy(ns.Labels.ToDictionary(), ns.CreatedAt, owner, environmentCreatedAt);

    private static bool IsOwnedBy(
        IDictionary<string, string>? labels,
        DateTime? createdAt,
        Ownership owner,
        DateTime environmentCreatedAt
    )
    {
        labels ??= new Dictionary<string, string>();
        string? Label(string key) => labels.TryGetValue(key, out var value) ? value : null;
        if (Label(Ownership.TenantIdLabel) is not null || Label(Ownership.EnvironmentIdLabel) is not null)
            return Label(Ownership.TenantIdLabel) == owner.TenantId.ToString()
                && Label(Ownership.EnvironmentIdLabel) == owner.EnvironmentId.ToString();
        return Label(Ownership.ManagedByLabel) == EnvironmentProvisioner.ManagedBy
            && Label(Ownership.TenantLabel) == owner.Tenant
            && Label(Ownership.EnvironmentLabel) == owner.Environment
            && createdAt is { } created
            && created >= environmentCreatedAt - ClockSlack;
    }

    /// <summary>
    /// Before anything is put into the environment's namespace: it must be there and be the environment's own, so that
    /// nothing is ever applied into a namespace of the same name that someone else made (after the environment was
    /// admitted, or in place of its namespace since).
    /// </summary>
    public static async Task EnsureOwnedAsync(
        IKubernetes client,
        TenantEnvironment environment,
        Ownership owner,
        CancellationToken ct
    )
    {
        var current = await ReadAsync(client, environment.Namespace, ct)
            ?? throw new NamespaceMissingException(environment.Namespace, environment.Name);
        if (!IsOwnedBy(current, owner, environment.CreatedAt))
            throw new NamespaceNotOwnedException(environment.Namespace);
    }

    /// <summary>
    /// Before anything is taken out of the environment's namespace: true only when it is there and the environment's
    /// own.
    /// </summary>
    public static async Task<bool> HoldsAsync(
        IKubernetes client,
        TenantEnvironment environment,
        Ownership owner,
        CancellationToken ct
    ) =>
        await ReadAsync(client, environment.Namespace, ct) is { } current
        && IsOwnedBy(current, owner, environment.CreatedAt);

    /// <summary>
    /// Deletes the environment's namespace, with everything in it, and waits until it is gone. False when the namespace
    /// of that name is not the environment's: then it is left as it is.
    /// </summary>
    public static async Task<bool> DeleteOwnedAsync(
        IKubernetes client,
        TenantEnvironment environment,
        Ownership owner,
        TimeSpan timeout,
        TimeProvider clock,
        CancellationToken ct
    )
    {
        var name = environment.Namespace;
        var current = await ReadAsync(client, name, ct);
        if (current is null)
            return true;
        if (!IsOwnedBy(current, owner, environment.CreatedAt))
            return false;
        try
        {
            // The precondition deletes this namespace only, not one of the same name made since it was read.
            await client.CoreV1.DeleteNamespaceAsync(
                name,
                new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = current.Metadata.Uid } },
                propagationPolicy: "Foreground",
                cancellationToken: ct
            );
        }
        catch (HttpOperationException e)
            when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
            // Gone already, or replaced by another namespace of the same name: this one is gone either way.
        }
        var deadline = clock.GetUtcNow() + timeout;
        while (true)
        {
            var left = await ReadAsync(client, name, ct);
            if (left is null || left.Metadata.Uid != current.Metadata.Uid)
                return true;
            if (clock.GetUtcNow() >= deadline)
            {
                throw new TimeoutException(
                    $"Namespace '{name}' is still terminating after {timeout.TotalMinutes:0.#} min"
                        + (
                            left.Spec?.Finalizers is { Count: > 0 } finalizers
                                ? $" (finalizers: {string.Join(", ", finalizers)})"
                                : ""
                        )
                        + "; retry the operation once it is gone."
                );
            }

            await Task.Delay(PollEvery, clock, ct);
        }
    }

    private static async Task<V1Namespace?> ReadAsync(IKubernetes client, string name, CancellationToken ct)
    {
        try
        {
            return await client.CoreV1.ReadNamespaceAsync(name, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
