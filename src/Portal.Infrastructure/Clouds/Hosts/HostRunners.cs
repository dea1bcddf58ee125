using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Portal.Domain.Clouds;
using Portal.Domain.Clusters;
using Portal.Domain.Operations;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Audit;
using Portal.Infrastructure.Clouds.Joining;
using Portal.Infrastructure.Clouds.Providers;
using Portal.Infrastructure.Clusters;
using Portal.Infrastructure.Operations;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Clouds.Hosts;

/// <summary>Bound from <c>Portal:Clouds</c>: how long each wait of a host's operations lasts at most.</summary>
public sealed class CloudOptions
{
    public const string Section = "Portal:Clouds";

    public TimeSpan PollEvery { get; set; } = TimeSpan.FromSeconds(2);
    public TimeSpan WaitRunning { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan WaitJoined { get; set; } = TimeSpan.FromMinutes(15);
    public TimeSpan WaitReady { get; set; } = TimeSpan.FromMinutes(10);
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromMinutes(5);
    public TimeSpan BootstrapTokenLifetime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// An instance younger than this is not taken for an orphan (its host's row may not be visible yet).
    /// </summary>
    public TimeSpan OrphanGrace { get; set; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// What every host operation works on: the host, its pool, its account and how to reach the provider.
/// </summary>
internal sealed class HostContext(
    PortalDbContext db,
    CloudProviders providers,
    CloudSecrets secrets,
    ClusterJoining joining,
    IOptions<CloudOptions> options,
    TimeProvider clock
)
{
    public PortalDbContext Db => db;
    public ClusterJoining Joining => joining;
    public CloudSecrets Secrets => secrets;
    public CloudOptions Options => options.Value;
    public DateTime Now => clock.GetUtcNow().UtcDateTime;

    public async Task<(CloudHost Host, ResourcePool Pool, CloudAccount Account)> LoadAsync(
        Operation operation,
        CancellationToken ct
    )
    {
        var host = await db.CloudHosts.FirstOrDefaultAsync(h => h.OperationId == operation.Id, ct)
            ?? throw new OperationTargetGone("The host of this operation was removed.");
        var pool = await db.ResourcePools.FirstAsync(p => p.Id == host.PoolId, ct);
        var account = await db.CloudAccounts.FirstAsync(a => a.Id == host.AccountId, ct);
        return (host, pool, account);
    }

    public ICloudProvider Provider(CloudAccount account) => providers.For(account.Kind);

    public CloudAccess Access(CloudAccount account, CloudHost host) => providers.AccessFor(account, host.Region);

    /// <summary>
    /// Asks again every <see cref="CloudOptions.PollEvery"/> until the answer is there, or says why not.
    /// </summary>
    public async Task<T> WaitForAsync<T>(Func<Task<T?>> ask, TimeSpan atMost, string waitingFor, CancellationToken ct)
        where T : class
    {
        var until = clock.GetUtcNow() + atMost;
        while (true)
        {
            try
            {
                if (await ask() is { } answer)
                    return answer;
            }
            catch (CloudRefusal refusal) when (refusal.Transient && clock.GetUtcNow() < until)
            {
                // Throttled or failing for now: asked again at the next poll, until the wait is over.
            }
            if (clock.GetUtcNow() > until)
                throw new TimeoutException($"Gave up after {atMost.TotalMinutes:0.#} min waiting for {waitingFor}.");
            await Task.Delay(Options.PollEvery, clock, ct);
        }
    }

    /// <summary>
    /// Does a provider call again, a few times with growing pauses, while the provider throttles or fails for now (its
    /// client has retried already); a refusal that is not transient, or the last one, is the step's failure.
    /// </summary>
    public async Task<T> PersistentlyAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (CloudRefusal refusal) when (refusal.Transient && attempt < 4)
            {
                await Task.Delay(Options.PollEvery * (attempt * 2), clock, ct);
            }
        }
    }

    /// <summary>The instance of the host: the one it recorded, or one the provider holds tagged for it.</summary>
    public async Task<CloudInstance?> FindInstanceAsync(CloudAccount account, CloudHost host, CancellationToken ct)
    {
        var provider = Provider(account);
        var access = Access(account, host);
        if (host.InstanceId is { } id && await provider.GetAsync(access, id, ct) is { } recorded)
            return recorded;
        return await provider.FindByHostTagAsync(access, host.Id.ToString("N"), ct);
    }
}

/// <summary>
/// Makes a machine for a pool and joins it: a bootstrap token for this host alone → the instance (found again by its
/// tag when an earlier run made it) → running → bootstrapped (cloud-init, or a script over SSH) → the node joins →
/// Ready → labelled into the pool → the token revoked. Each step is recorded and skipped when a run resumes.
/// </summary>
internal sealed class ProvisionHostRunner(HostContext context, AuditTrail audit) : IOperationRunner
{
    public static string Kind => OperationKinds.HostProvision;

    public string Explain(Exception failure) => HostFailures.Explain(failure);

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var (host, pool, account) = await context.LoadAsync(operation, ct);
        var provider = context.Provider(account);
        var access = context.Access(account, host);
        var template = await context
            .Db.HostTemplates.AsNoTracking()
            .FirstOrDefaultAsync(t => t.Id == host.TemplateId, ct);

        await journal.StepAsync(
            operation,
            "bootstrap token",
            async () =>
            {
                if (host.SealedBootstrapToken is null)
                {
                    var made = BootstrapToken.New();
                    host.BootstrapWith(made.Id, context.Secrets.SealToken(made.Value));
                    await context.Db.SaveChangesAsync(ct);
                }
                var token = BootstrapToken.Parse(context.Secrets.OpenToken(host.SealedBootstrapToken!));
                await context.Joining.CreateTokenAsync(
                    host.ClusterId,
                    token,
                    context.Now + context.Options.BootstrapTokenLifetime,
                    host.Name,
                    ct
                );
            },
            ct
        );
        var join = await JoinAsync(host, template, ct);

        await journal.StepAsync(
            operation,
            "create instance",
            async () =>
            {
                var instance = await context.PersistentlyAsync(
                    async () =>
                        await context.FindInstanceAsync(account, host, ct)
                            is { State: not CloudInstanceState.Terminated } found
                            ? found
                            : await provider.CreateAsync(
                                access,
                                Spec(
                                    host,
                                    pool,
                                    template,
                                    provider is IBootstrapsOverSsh ? "" : JoinScripts.UserData(join)
                                ),
                                ct
                            ),
                    ct
                );
                host.Created(instance.Id, instance.CreatedAt);
                host.Addressed(instance.PrivateAddress, instance.PublicAddress);
            },
            ct
        );

        await journal.StepAsync(
            operation,
            "wait running",
            async () =>
            {
                var running = await context.WaitForAsync(
                    async () =>
                    {
                        var instance = await provider.GetAsync(access, host.InstanceId!, ct);
                        if (instance is null or { State: CloudInstanceState.Terminated or CloudInstanceState.Failed })
                            throw new CloudRefusal(
                                CloudRefusalKind.Invalid,
                                $"Instance {host.InstanceId} is {instance?.State.ToString() ?? "gone"}"
                                    + (instance?.StateReason is { } why ? $": {why}" : ".")
                            );
                        return instance.State == CloudInstanceState.Running ? instance : null;
                    },
                    context.Options.WaitRunning,
                    $"instance {host.InstanceId} to run",
                    ct
                );
                host.Addressed(running.PrivateAddress, running.PublicAddress);
            },
            ct
        );

        if (provider is IBootstrapsOverSsh ssh)
        {
            await journal.StepAsync(
                operation,
                "bootstrap over SSH",
                async () =>
                {
                    var instance = await provider.GetAsync(access, host.InstanceId!, ct)
                        ?? throw new CloudRefusal(CloudRefusalKind.Invalid, $"Machine {host.InstanceId} is gone.");
                    var providerId = $"baremetal://{host.InstanceId}";
                    await ssh.RunScriptAsync(access, instance, JoinScripts.ShellScript(join, providerId), ct);
                },
                ct
            );
        }

        await journal.StepAsync(
            operation,
            "node joins",
            () =>
                context.WaitForAsync(
                    () => context.Joining.FindNodeAsync(host.ClusterId, host.Name, ct),
                    context.Options.WaitJoined,
                    $"node {host.Name} to join the cluster",
                    ct
                ),
            ct
        );

        await journal.StepAsync(
            operation,
            "node Ready",
            () =>
                context.WaitForAsync(
                    async () =>
                        await context.Joining.FindNodeAsync(host.ClusterId, host.Name, ct) is { } node
                        && ClusterJoining.IsReady(node)
                            ? node
                            : null,
                    context.Options.WaitReady,
                    $"node {host.Name} to be Ready",
                    ct
                ),
            ct
        );

        await journal.StepAsync(
            operation,
            "labelled into the pool",
            () =>
                context.Joining.LabelAsync(
                    host.ClusterId,
                    host.Name,
                    PoolLabels(pool, template),
                    pool.Dedicated ? [.. template?.TaintList ?? [], pool.Taint] : template?.TaintList ?? [],
                    ct
                ),
            ct
        );

        await journal.StepAsync(
            operation,
            "bootstrap token revoked",
            async () =>
            {
                if (host.BootstrapTokenId is { } tokenId)
                    await context.Joining.RevokeTokenAsync(host.ClusterId, tokenId, ct);
                host.BootstrapRevoked();
            },
            ct
        );
        host.Joined(context.Now);
        var requester = await context.Db.RequesterAsync(operation, ct);
        audit.Record(
            requester,
            null,
            CloudAuditActions.HostProvisioned,
            "host",
            $"{pool.Name}/{host.Name}",
            $"{host.Kind} {host.InstanceId} ({host.InstanceType}) from account {host.AccountName}"
        );
    }

    public async Task<string?> AfterFailureAsync(OperationFailure failure, CancellationToken ct)
    {
        var db = failure.Services.GetRequiredService<PortalDbContext>();
        var host = await db.CloudHosts.FirstOrDefaultAsync(h => h.OperationId == failure.Operation.Id, ct);
        host?.ProvisioningFailed();
        await db.SaveChangesAsync(ct);
        return host is null ? null : "Retry resumes it at this step; abandon removes what it made.";
    }

    private async Task<NodeJoin> JoinAsync(CloudHost host, HostTemplate? template, CancellationToken ct)
    {
        var target = await context.Joining.TargetAsync(host.ClusterId, ct);
        var labels = (template?.LabelSet.Requirements ?? []).ToDictionary(
            r => r.Key,
            r => r.Value,
            StringComparer.Ordinal
        );
        return new NodeJoin(
            target,
            BootstrapToken.Parse(context.Secrets.OpenToken(host.SealedBootstrapToken!)),
            host.Name,
            labels,
            template?.TaintList ?? [],
            KubernetesMinor(target.KubernetesVersion)
        );
    }

    private static Dictionary<string, string> PoolLabels(ResourcePool pool, HostTemplate? template)
    {
        var labels = (template?.LabelSet.Requirements ?? []).ToDictionary(
            r => r.Key,
            r => r.Value,
            StringComparer.Ordinal
        );
        foreach (var requirement in pool.Selector.Requirements)
            labels[requirement.Key] = requirement.Value;
        return labels;
    }

    private static InstanceSpec Spec(CloudHost host, ResourcePool pool, HostTemplate? template, string userData) =>
        new(
            host.Id.ToString("N"),
            host.Name,
            host.Zone,
            host.InstanceType,
            host.Image,
            host.SystemDiskGiB,
            template?.Network ?? "",
            template?.Subnet ?? "",
            template?.SecurityGroup ?? "",
            template?.KeyPair ?? "",
            userData,
            new Dictionary<string, string>
            {
                [CloudTags.ManagedBy] = CloudTags.Portal,
                [CloudTags.Host] = host.Id.ToString("N"),
                [CloudTags.Pool] = pool.Name,
            }
        );

    /// <summary>"v1.32" of "v1.32.4" (kubeadm's package repositories are per minor version).</summary>
    private static string KubernetesMinor(string? version)
    {
        var parts = (version ?? "v1.32").TrimStart('v').Split('.', '-');
        return parts.Length >= 2 ? $"v{parts[0]}.{parts[1]}" : "v1.32";
    }
}

/// <summary>
/// Takes a host out of its pool: cordon → drain through the eviction API (PodDisruptionBudgets hold; given up after
/// <see cref="CloudOptions.DrainTimeout"/> with the pods that would not go) → the node deleted → the instance
/// terminated (bare metal: its reset script run and the machine freed).
/// </summary>
internal sealed class DecommissionHostRunner(HostContext context, IClusterGateway gateway, AuditTrail audit)
    : IOperationRunner
{
    public static string Kind => OperationKinds.HostDecommission;

    public string Explain(Exception failure) => HostFailures.Explain(failure);

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var (host, pool, account) = await context.LoadAsync(operation, ct);
        await journal.StepAsync(
            operation,
            "cordon",
            async () =>
            {
                if (await context.Joining.FindNodeAsync(host.ClusterId, host.Name, ct) is null)
                    return;
                var cordoned = await gateway.SetUnschedulableAsync(host.ClusterId, host.Name, true, ct);
                if (!cordoned.Succeeded)
                    throw new InvalidOperationException(cordoned.Problem!.Message);
            },
            ct
        );
        await journal.StepAsync(operation, "drain", () => DrainAsync(host, ct), ct);
        await journal.StepAsync(
            operation,
            "delete node",
            () => context.Joining.DeleteNodeAsync(host.ClusterId, host.Name, ct),
            ct
        );
        await journal.StepAsync(operation, "terminate instance", () => TerminateAsync(context, account, host, ct), ct);
        host.Ended(context.Now);
        audit.Record(
            await context.Db.RequesterAsync(operation, ct),
            null,
            CloudAuditActions.HostDecommissioned,
            "host",
            $"{pool.Name}/{host.Name}",
            $"{host.Kind} {host.InstanceId}"
        );
    }

    private async Task DrainAsync(CloudHost host, CancellationToken ct)
    {
        DrainProgress? last = null;
        try
        {
            await context.WaitForAsync(
                async () =>
                {
                    last = await context.Joining.EvictAllAsync(host.ClusterId, host.Name, ct);
                    return last.Remaining == 0 ? last : null;
                },
                context.Options.DrainTimeout,
                $"node {host.Name} to drain",
                ct
            );
        }
        catch (TimeoutException) when (last is { Blocked.Count: > 0 })
        {
            throw new TimeoutException(
                $"The drain of {host.Name} gave up after {context.Options.DrainTimeout.TotalMinutes:0.#} min: "
                    + string.Join("; ", last.Blocked.Take(5))
                    + ". Relax the disruption budgets or scale the workloads, then retry."
            );
        }
    }

    internal static async Task TerminateAsync(
        HostContext context,
        CloudAccount account,
        CloudHost host,
        CancellationToken ct
    )
    {
        var instance = await context.PersistentlyAsync(() => context.FindInstanceAsync(account, host, ct), ct);
        if (instance is not null && instance.State != CloudInstanceState.Terminated)
            await context.PersistentlyAsync(
                async () =>
                {
                    await context.Provider(account).TerminateAsync(context.Access(account, host), instance.Id, ct);
                    return true;
                },
                ct
            );
    }
}

/// <summary>
/// Cleans up after a provisioning that failed and will not be retried: its token revoked, its node (if it joined)
/// deleted, its instance (recorded, or found by its tag) terminated — nothing left behind.
/// </summary>
internal sealed class AbandonHostRunner(HostContext context) : IOperationRunner
{
    public static string Kind => OperationKinds.HostAbandon;

    public string Explain(Exception failure) => HostFailures.Explain(failure);

    public async Task CarryOutAsync(Operation operation, OperationJournal journal, CancellationToken ct)
    {
        var (host, _, account) = await context.LoadAsync(operation, ct);
        await journal.StepAsync(
            operation,
            "bootstrap token revoked",
            async () =>
            {
                if (host.BootstrapTokenId is { } tokenId)
                    await context.Joining.RevokeTokenAsync(host.ClusterId, tokenId, ct);
            },
            ct
        );
        await journal.StepAsync(
            operation,
            "delete node",
            () => context.Joining.DeleteNodeAsync(host.ClusterId, host.Name, ct),
            ct
        );
        await journal.StepAsync(
            operation,
            "terminate instance",
            () => DecommissionHostRunner.TerminateAsync(context, account, host, ct),
            ct
        );
        host.Ended(context.Now);
    }
}

internal static class HostFailures
{
    public static string Explain(Exception failure) =>
        failure switch
        {
            CloudRefusal refusal => CloudProviders.Explain(refusal),
            TimeoutException timeout => timeout.Message,
            _ => ClusterProblems.Explain(failure),
        };
}
