namespace Portal.Infrastructure.Builds.Buildah;

/// <summary>The folder under which each tenant's buildah storage (images and layer cache) lives.</summary>
public sealed class BuildStorage(string root)
{
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>A tenant's storage; the tenant's name is checked by the caller to be a plain folder name.</summary>
    public string ForTenant(string tenant) => Path.Combine(Root, "tenants", tenant);

    /// <summary>The storage the base images are made in.</summary>
    public string ForBaseImages() => Path.Combine(Root, "base");
}
