using System.Text;
using k8s;
using k8s.Models;
using Microsoft.EntityFrameworkCore;
using Portal.Domain.Applications;
using Portal.Domain.Common;
using Portal.Domain.Environments;
using Portal.Domain.Quotas;
using Portal.Infrastructure.Builds.Registry;
using Portal.Infrastructure.Environments;
using Portal.Infrastructure.Persistence;

namespace Portal.Infrastructure.Applications;

/// <summary>
/// One object of an application as it is applied in an environment, as YAML with its secret values masked.
/// </summary>
public sealed record RenderedObject(string Kind, string Name, string Yaml);

/// <summary>
/// The objects the deploy job applies for an application in an environment, for the revision that runs there.
/// </summary>
public sealed record RenderedManifests(
    string App,
    string Environment,
    string Namespace,
    string Pool,
    int Revision,
    IReadOnlyList<RenderedObject> Objects
)
{
    /// <summary>All of them as one multi-document YAML, in the order they are applied.</summary>
    public string Yaml => string.Join("---\n", Objects.Select(o => o.Yaml));
}

/// <summary>
/// What the deploy job renders for an application in an environment (<see cref="For"/>), and the page's read-only view
/// of it (<see cref="ViewAsync"/>): the same objects, with every secret value masked — the Secret's data and the pod
/// template's checksum of config and secret content, from which a weak secret could be guessed.
/// </summary>
public sealed class DeployedManifests(PortalDbContext db, SpecVault vault, RegistryConnection registry)
{
    /// <summary>
    /// The input of the deploy job's rendering: the revision's spec at the environment's own replica count — none, and
    /// no autoscaler, while it is stopped, as an autoscaler would scale the pods back up — in the environment's
    /// namespace, with its pool's placement, pulling with the namespace's pull secret when its image is in the
    /// portal's registry.
    /// </summary>
    public static ManifestInput For(
        TenantEnvironment environment,
        string tenantSlug,
        string app,
        AppDeployment deployment,
        int revision,
        DeploymentSpec spec,
        PodPlacement placement,
        RegistryPullAccess? pull
    )
    {
        var stopped = deployment.ReplicasBeforeStop is not null;
        var running = stopped ? spec.WithAutoscaling(null).WithReplicas(0) : spec.WithReplicas(deployment.Replicas);
        return new ManifestInput(
            environment.Namespace,
            app,
            Ownership.Of(environment, tenantSlug),
            revision,
            running,
            placement
        )
        {
            PullSecret = RegistryPullSecret.For(pull, spec.Image),
        };
    }

    public async Task<Result<RenderedManifests>> ViewAsync(string app, string environment, CancellationToken ct)
    {
        var found = await (
            from a in db.Applications.AsNoTracking()
            where a.Name == app
            join d in db.AppDeployments.AsNoTracking() on a.Id equals d.ApplicationId
            join e in db.Environments.AsNoTracking() on d.EnvironmentId equals e.Id
            where e.Name == environment
            join p in db.ResourcePools.AsNoTracking() on e.PoolId equals p.Id
            join t in db.Tenants.AsNoTracking() on a.TenantId equals t.Id
            join r in db.Revisions.AsNoTracking()
                on new { d.ApplicationId, Number = d.Revision } equals new { r.ApplicationId, r.Number }
            select new
            {
                Deployment = d,
                Environment = e,
                Pool = p,
                t.Slug,
                r.SealedSpec,
                r.Number,
            }
        ).FirstOrDefaultAsync(ct);
        if (found is null)
            return Problem.NotFound($"A deployment of '{app}' to environment '{environment}'");
        var input = For(
            found.Environment,
            found.Slug,
            app,
            found.Deployment,
            found.Number,
            vault.Open(found.SealedSpec),
            found.Pool.Placement,
            registry.PullAccess()
        );
        AppManifests manifests;
        try
        {
            manifests = ApplicationManifests.Render(input);
        }
        catch (ArgumentException e)
        {
            // A revision saved before a rule of the spec was tightened: the next deploy of it would be refused too.
            return Problem.Conflict(
                $"Revision {found.Number} no longer passes the portal's checks, so it cannot be rendered: {e.Message}"
            );
        }
        return new RenderedManifests(
            app,
            environment,
            found.Environment.Namespace,
            found.Pool.Name,
            found.Number,
            manifests.All().Select(Masked).ToList()
        );
    }

    private static RenderedObject Masked(IKubernetesObject<V1ObjectMeta> o)
    {
        switch (o)
        {
            case V1Secret secret:
                var keys = secret.Data?.Keys.ToList() ?? [];
                var shown = new V1Secret
                {
                    ApiVersion = secret.ApiVersion,
                    Kind = secret.Kind,
                    Metadata = secret.Metadata,
                    Type = secret.Type,
                };
                var yaml = new StringBuilder(KubernetesYaml.Serialize(shown).TrimEnd('\n')).Append('\n');
                // Variable names are letters, digits, '-', '_' and '.': quoted, they are YAML whatever they are.
                yaml.Append("data:").Append(keys.Count == 0 ? " {}\n" : "\n");
                foreach (var key in keys.Order(StringComparer.Ordinal))
                    yaml.Append("  '").Append(key).Append("': '").Append(EnvironmentVariable.Mask).Append("'\n");
                return new RenderedObject(o.Kind, o.Metadata.Name, yaml.ToString());
            case V1Deployment deployment
                when deployment.Spec.Template.Metadata.Annotations?.ContainsKey(ApplicationManifests.ChecksumAnnotation)
                    == true:
                deployment.Spec.Template.Metadata.Annotations[ApplicationManifests.ChecksumAnnotation] =
                    EnvironmentVariable.Mask;
                return new RenderedObject(o.Kind, o.Metadata.Name, Text(o));
            default:
                return new RenderedObject(o.Kind, o.Metadata.Name, Text(o));
        }
    }

    private static string Text(object o) => KubernetesYaml.Serialize(o).TrimEnd('\n') + "\n";
}
